/**
 * Which offered stream is which leg, and who the call is between (SPEC §2b).
 *
 * With metadata, the caller is the first participant (document order) that
 * sends a stream offered on a recordable m= line (SRCs list the calling
 * party first); the callee is the next such participant. The m= line
 * labelled with a stream the caller sends is the incoming leg, one the
 * callee sends is the outgoing leg. Legs still free take the remaining
 * recordable lines in order, so without metadata the first line is
 * incoming and the second outgoing. A single mixed line is the incoming leg.
 * Further recordable lines are `extra` streams: each gets a leg of its own
 * (registry.addStream, named after its a=label) once the session exists.
 *
 * caller_id / called_number are the user parts of the participants' AORs,
 * else the user parts of From / To.
 */
import { uriUser } from '../message/uri.js';
import { sentLabels } from '../metadata/rs-metadata.js';
import type { RsMetadata, RsParticipant } from '../metadata/rs-metadata.js';
import type { SdpMedia } from '../sdp/parse.js';

export type LegName = 'incoming' | 'outgoing';
/** What the plan gives a line: one of the two legs, or an extra stream of its own. */
export type PlannedLeg = LegName | 'extra';

export interface StreamPlanInput {
  media: readonly SdpMedia[];
  /** Per m= line: can we record it (audio, clear RTP, a decodable codec, port ≠ 0)? */
  recordable: readonly boolean[];
  metadata: RsMetadata | null;
  fromUri: string | null;
  toUri: string | null;
}

export interface StreamPlan {
  /** Per m= line: the leg it records, `extra` (a leg of its own, made later), or null. */
  legs: Array<PlannedLeg | null>;
  callerId: string;
  calledNumber: string;
  /** Whether callerId / calledNumber came from the metadata (not From / To, not `unknown`). */
  partiesFromMetadata: { caller: boolean; callee: boolean };
  caller: RsParticipant | null;
  callee: RsParticipant | null;
}

const MAX_PARTY_CHARS = 128;

/** A printable caller/called id (control characters removed, at most 128 characters). */
export function cleanParty(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_PARTY_CHARS);
  return v === '' ? null : v;
}

function partyId(p: RsParticipant | null): string | null {
  if (p === null) return null;
  for (const aor of p.aors) {
    const user = cleanParty(uriUser(aor));
    if (user !== null) return user;
  }
  return null;
}

export function planStreams(input: StreamPlanInput): StreamPlan {
  const { media, recordable, metadata } = input;
  const legs: Array<PlannedLeg | null> = media.map(() => null);
  const labelLines = (labels: readonly string[]) =>
    media.map((_m, i) => i).filter((i) => recordable[i] && media[i].label !== null && labels.includes(media[i].label as string));

  let caller: RsParticipant | null = null;
  let callee: RsParticipant | null = null;
  if (metadata !== null && metadata.participants.length > 0) {
    const senders = metadata.participants.filter((p) => labelLines(sentLabels(metadata, p)).length > 0);
    caller = senders[0] ?? metadata.participants[0];
    callee = senders.find((p) => p !== caller) ?? metadata.participants.find((p) => p !== caller) ?? null;
    const inLine = labelLines(sentLabels(metadata, caller))[0];
    if (inLine !== undefined) legs[inLine] = 'incoming';
    if (callee !== null) {
      const outLine = labelLines(sentLabels(metadata, callee)).find((i) => legs[i] === null);
      if (outLine !== undefined) legs[outLine] = 'outgoing';
    }
  }
  fillFreeLegs(legs, recordable);
  recordable.forEach((ok, i) => {
    if (ok && legs[i] === null) legs[i] = 'extra';
  });

  const callerId = partyId(caller);
  const calledNumber = partyId(callee);
  return {
    legs,
    callerId: callerId ?? cleanParty(input.fromUri === null ? null : uriUser(input.fromUri)) ?? 'unknown',
    calledNumber: calledNumber ?? cleanParty(input.toUri === null ? null : uriUser(input.toUri)) ?? 'unknown',
    partiesFromMetadata: { caller: callerId !== null, callee: calledNumber !== null },
    caller,
    callee,
  };
}

/** Give each of the two legs not yet assigned the next recordable line without a leg. */
export function fillFreeLegs(legs: Array<string | null>, recordable: readonly boolean[]): void {
  for (const leg of ['incoming', 'outgoing'] as const) {
    if (legs.includes(leg)) continue;
    const i = legs.findIndex((l, idx) => l === null && recordable[idx]);
    if (i !== -1) legs[i] = leg;
  }
}
