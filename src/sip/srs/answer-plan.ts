/**
 * From an offer and the dialog's leg assignment to the SDP answer: which
 * lines we can record, the telephone-event payload type of the call, and
 * the answer text with its o= version kept or bumped (RFC 3264 §8).
 */
import type { Session } from '../../session/index.js';
import { buildSdpAnswer } from '../sdp/answer.js';
import type { AnsweredStream } from '../sdp/answer.js';
import { recordableCodecs } from '../sdp/codecs.js';
import type { SdpSession } from '../sdp/parse.js';
import type { RecordingDialog } from './dialog.js';
import { legPort } from './stream-legs.js';

/** Per m= line: audio over clear RTP, not disabled, with PCMU or PCMA. */
export function recordableLines(sdp: SdpSession): boolean[] {
  return sdp.media.map((m) => m.port !== 0 && recordableCodecs(m).audio.length > 0);
}

/** The telephone-event payload type of the first line recording a leg. */
export function chooseTelephoneEvent(sdp: SdpSession, legs: ReadonlyArray<string | null>): number | null {
  for (let i = 0; i < sdp.media.length; i++) {
    if (legs[i] === null) continue;
    const te = recordableCodecs(sdp.media[i]).telephoneEvent;
    if (te !== null) return te;
  }
  return null;
}

export function answerStreams(
  sdp: SdpSession,
  legs: ReadonlyArray<string | null>,
  session: Session,
  telephoneEventPt: number | null,
): AnsweredStream[] {
  return sdp.media.map((offer, i) => {
    const leg = legs[i] ?? null;
    const port = leg === null ? null : legPort(session, leg);
    const codecs = recordableCodecs(offer);
    if (port === null || offer.port === 0 || codecs.audio.length === 0) return { offer, port: null, audio: [], telephoneEvent: null };
    return {
      offer,
      port,
      audio: codecs.audio,
      telephoneEvent: codecs.telephoneEvent !== null && codecs.telephoneEvent === telephoneEventPt ? telephoneEventPt : null,
    };
  });
}

/** The answer for the dialog; the o= version goes up only when the answer changed. */
export function renderAnswer(dialog: RecordingDialog, streams: AnsweredStream[]): string {
  const host = dialog.session.announceHost;
  const body = buildSdpAnswer({ host, sessionId: dialog.sdpSessionId, version: 0, streams }).replace(/^o=.*\r\n/m, '');
  if (dialog.lastAnswer !== '' && body !== dialog.lastAnswerBody) dialog.sdpVersion++;
  dialog.lastAnswerBody = body;
  dialog.lastAnswer = buildSdpAnswer({ host, sessionId: dialog.sdpSessionId, version: dialog.sdpVersion, streams });
  return dialog.lastAnswer;
}
