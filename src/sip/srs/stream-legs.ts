/**
 * The legs behind a live call's m= lines.
 *
 * Streams beyond the two legs (a conference leg, a whisper, OpenSIPS' third
 * m= line): each recordable line the plan marks `extra` gets a leg of its
 * own in the live session (registry.addStream → extra_<label>_….wav, averaged
 * into the mix), and keeps it across re-offers.
 *
 * A session cannot give an extra leg back, so a line that comes back after
 * being dropped (port 0) takes a free extra leg of its label again, and at
 * most MAX_EXTRA_STREAMS are made per call (a misbehaving SRC adding lines in
 * every re-offer cannot take the port range); past that, a new line reuses
 * any free extra leg, else it is refused with port 0.
 *
 * Hold: when no recorded line is sending (all a=inactive or port 0) the
 * registry is told (setMediaInactive), so the RTP timeout leaves the call
 * alone until a line is active again.
 */
import type { Logger } from '../../log.js';
import type { Session, SessionRegistry } from '../../session/index.js';
import type { SdpSession } from '../sdp/parse.js';
import { answerDirection } from '../sdp/answer.js';
import type { RecordingDialog } from './dialog.js';

export const MAX_EXTRA_STREAMS = 8;

/** The label of line `i`: its a=label, else its position (1-based, as in `labels`). */
export function lineLabel(sdp: SdpSession, i: number): string {
  return sdp.media[i].label ?? String(i + 1);
}

/** The RTP port of a leg by name (`incoming`, `outgoing`, `extra_<label>`), or null. */
export function legPort(session: Session, name: string): number | null {
  if (name === 'incoming' || name === 'outgoing') return session.legs[name].receiver.port;
  return session.extraLegs.find((l) => l.name === name)?.receiver.port ?? null;
}

/**
 * Replace every `extra` in `legs` by an extra leg's name, or by null when
 * none can be had. Callers call it only when some line is `extra`, so an
 * offer whose lines all have their legs is answered in the same tick.
 */
export async function bindExtraStreams(
  registry: SessionRegistry,
  session: Session,
  sdp: SdpSession,
  legs: Array<string | null>,
  labelsOfLegs: Map<string, string>,
  telephoneEventPt: number | null,
  log: Logger,
): Promise<void> {
  const free = () => session.extraLegs.map((l) => l.name).filter((name) => !legs.includes(name));
  for (let i = 0; i < legs.length; i++) {
    if (legs[i] !== 'extra') continue;
    const label = lineLabel(sdp, i);
    const sameLabel = free().find((name) => labelsOfLegs.get(name) === label);
    if (sameLabel !== undefined) {
      legs[i] = sameLabel;
      continue;
    }
    if (session.extraLegs.length < MAX_EXTRA_STREAMS && session.state === 'active') {
      try {
        const leg = await registry.addStream(session.id, label, telephoneEventPt ?? undefined);
        labelsOfLegs.set(leg.name, label);
        legs[i] = leg.name;
        continue;
      } catch (err) {
        log.warn({ err, session_id: session.id, label }, 'could not add an extra stream: answered with port 0');
      }
    }
    const any = free()[0];
    legs[i] = any ?? null;
    if (any !== undefined) labelsOfLegs.set(any, label);
  }
}

/**
 * True when no recorded line is sending to us: every line is refused (port
 * 0), has no leg, or is offered inactive / recvonly (answered inactive).
 */
export function everyStreamInactive(sdp: SdpSession, legs: ReadonlyArray<string | null>): boolean {
  return !sdp.media.some((m, i) => legs[i] != null && m.port !== 0 && answerDirection(m.direction) === 'recvonly');
}

/** Tell the registry when the call goes on hold or comes back (only on a change). */
export function syncMediaInactive(registry: SessionRegistry, dialog: RecordingDialog, sdp: SdpSession, log: Logger): void {
  const inactive = everyStreamInactive(sdp, dialog.legs);
  if (inactive === dialog.mediaInactive || dialog.session.state !== 'active') return;
  registry.setMediaInactive(dialog.session.id, inactive);
  dialog.mediaInactive = inactive;
  log.child({ session_id: dialog.session.id }).info({ call_id: dialog.callId }, inactive ? 'SIPREC media on hold: the RTP timeout waits' : 'SIPREC media active again');
}
