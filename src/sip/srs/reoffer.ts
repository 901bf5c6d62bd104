/**
 * An offer inside the dialog: re-INVITE or UPDATE (RFC 7866 §6.1.2). The SRC
 * pauses a stream (`a=inactive`), resumes it (`a=sendonly`), removes it
 * (port 0), adds one, refreshes the session timer, or sends new metadata.
 * Streams keep their ports; the legs' timeline goes on through a pause.
 * A line that lost its stream gives its leg up; new lines take free legs
 * (following the metadata when it names the sender), else get port 0.
 */
import type { SipHeader } from '../message/message.js';
import { getHeader } from '../message/message.js';
import { parseCSeq, parseNameAddr } from '../message/header-values.js';
import type { ServerTransaction } from '../transaction/server-transactions.js';
import { answerStreams, recordableLines, renderAnswer } from './answer-plan.js';
import type { UasContext } from './context.js';
import type { RecordingDialog } from './dialog.js';
import { checkOffer } from './invite.js';
import { addMetadataVersion, setStreams } from './recording-info.js';
import { ALLOW, SUPPORTED, makeResponse } from './responses.js';
import { sessionTimerHeaders } from './session-timer.js';
import { fillFreeLegs, planStreams } from './stream-plan.js';
import type { LegName } from './stream-plan.js';

export function handleReoffer(uas: UasContext, tx: ServerTransaction, dialog: RecordingDialog): void {
  const req = tx.request;
  const isInvite = req.method === 'INVITE';
  if (isInvite) tx.respond(makeResponse(req, 100));
  const checked = checkOffer(uas, tx);
  if (checked === null) return;
  const { offer, timer } = checked;
  const cseq = parseCSeq(getHeader(req, 'cseq') as string)?.seq ?? 0;
  const extra = dialog.session.extraInfo;
  if (offer.metadataXml !== null) addMetadataVersion(extra, { method: req.method, cseq, xml: offer.metadataXml, meta: offer.metadata });

  let body: Buffer = Buffer.alloc(0);
  if (offer.sdp !== null) {
    const sdp = offer.sdp;
    const recordable = recordableLines(sdp);
    const legs: Array<LegName | null> = sdp.media.map((_m, i) => (recordable[i] ? (dialog.legs[i] ?? null) : null));
    if (offer.metadata !== null) {
      const plan = planStreams({ media: sdp.media, recordable, metadata: offer.metadata, fromUri: null, toUri: null });
      plan.legs.forEach((leg, i) => {
        if (leg !== null && legs[i] === null && !legs.includes(leg)) legs[i] = leg;
      });
    }
    fillFreeLegs(legs, recordable);
    const before = describe(extra);
    dialog.legs = legs;
    const streams = answerStreams(sdp, legs, dialog.session, dialog.telephoneEventPt);
    body = Buffer.from(renderAnswer(dialog, streams));
    setStreams(extra, sdp, legs, streams.map((s) => s.port ?? 0));
    const after = describe(extra);
    if (before !== after) uas.log.child({ session_id: dialog.session.id }).info({ call_id: dialog.callId, streams: after, method: req.method }, 'SIPREC streams changed');
  } else if (isInvite && dialog.lastAnswer !== '') {
    // An offerless re-INVITE: our current SDP is the offer; the answer comes in the ACK.
    body = Buffer.from(dialog.lastAnswer);
  }

  const headers: SipHeader[] = [
    { name: 'contact', value: uas.contact(req, tx.flow.transport) },
    { name: 'allow', value: ALLOW },
    { name: 'supported', value: SUPPORTED },
  ];
  if (timer.kind === 'accept') headers.push(...sessionTimerHeaders(timer.expires));
  uas.armSessionTimer(dialog, timer.kind === 'accept' ? timer.expires : null);
  const contact = parseNameAddr(getHeader(req, 'contact') ?? '');
  if (contact !== null) dialog.remoteTarget = contact.uri;
  const res = makeResponse(req, 200, {
    toTag: dialog.localTag,
    headers,
    body,
    contentType: body.length > 0 ? 'application/sdp' : undefined,
  });
  uas.counters.inc(isInvite ? 'reinvites' : 'updates');
  if (isInvite) uas.sendOk(dialog, tx, res);
  else tx.respond(res);
}

/** e.g. `1:incoming:sendonly 2:outgoing:inactive` (for the log, and to see a change). */
function describe(extra: Record<string, unknown>): string {
  const streams = (extra.siprec as { streams?: Array<{ label: string | null; leg: string | null; direction: string }> }).streams ?? [];
  return streams.map((s) => `${s.label ?? '-'}:${s.leg ?? 'none'}:${s.direction}`).join(' ');
}
