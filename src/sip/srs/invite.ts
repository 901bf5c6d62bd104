/**
 * A new recording session: the out-of-dialog INVITE from an SRC (RFC 7866
 * §6.1). Checks in the order a caller can fix them — extensions (420), body
 * (400/415), session timer (422), media (488) — then takes two RTP ports
 * from the registry (503 with Retry-After at capacity, so the SBC fails
 * over), one more per further recordable audio line (an extra stream), and
 * answers 200 with one answered m= line per offered one.
 */
import { CallrecError } from '../../errors.js';
import { getHeader, getHeaders } from '../message/message.js';
import type { SipHeader } from '../message/message.js';
import { parseCSeq, parseNameAddr } from '../message/header-values.js';
import type { ServerTransaction } from '../transaction/server-transactions.js';
import { answerStreams, chooseTelephoneEvent, recordableLines, renderAnswer } from './answer-plan.js';
import { warning } from './context.js';
import type { UasContext } from './context.js';
import { RecordingDialog, randomToken } from './dialog.js';
import { readOffer } from './offer.js';
import type { Offer } from './offer.js';
import { addMetadataVersion, initialExtraInfo, setStreams } from './recording-info.js';
import { bindExtraStreams, syncMediaInactive } from './stream-legs.js';
import { ACCEPT, ALLOW, SUPPORTED, makeResponse } from './responses.js';
import { unsupportedExtensions } from './request-checks.js';
import { readSessionTimer, sessionTimerHeaders } from './session-timer.js';
import type { SessionTimerDecision } from './session-timer.js';
import { planStreams } from './stream-plan.js';

/** Seconds an SBC should wait before trying us again when we are full. */
export const RETRY_AFTER_SECONDS = 30;

/** The checks an offer (initial or in-dialog) must pass; a response was sent when it returns null. */
export function checkOffer(uas: UasContext, tx: ServerTransaction): { offer: Offer; timer: SessionTimerDecision } | null {
  const req = tx.request;
  const unsupported = unsupportedExtensions(req);
  if (unsupported.length > 0) {
    uas.counters.inc('rejected_420');
    uas.respond(tx, 420, [{ name: 'unsupported', value: unsupported.join(', ') }]);
    return null;
  }
  const read = readOffer(req);
  if (!read.ok) {
    uas.counters.inc(`rejected_${read.status}`);
    const headers: SipHeader[] = [warning(399, read.warning)];
    if (read.status === 415) headers.push({ name: 'accept', value: ACCEPT });
    uas.respond(tx, read.status, headers);
    return null;
  }
  const timer = readSessionTimer(req);
  if (timer.kind === 'too_small') {
    uas.counters.inc('rejected_422');
    uas.respond(tx, 422, [{ name: 'min-se', value: String(timer.minSe) }]);
    return null;
  }
  return { offer: read.offer, timer };
}

export async function acceptInvite(uas: UasContext, tx: ServerTransaction): Promise<void> {
  const req = tx.request;
  tx.respond(makeResponse(req, 100));
  if (uas.unavailable) {
    uas.counters.inc('rejected_503');
    uas.respond(tx, 503, [{ name: 'retry-after', value: String(RETRY_AFTER_SECONDS) }]);
    return;
  }
  const checked = checkOffer(uas, tx);
  if (checked === null) return;
  const { offer, timer } = checked;
  if (offer.sdp === null) {
    uas.counters.inc('rejected_488');
    uas.respond(tx, 488, [warning(399, 'an SDP offer is required (offerless INVITE is not supported)')]);
    return;
  }
  const sdp = offer.sdp;
  const recordable = recordableLines(sdp);
  if (!recordable.includes(true)) {
    uas.counters.inc('rejected_488');
    uas.respond(tx, 488, [warning(305, 'no audio stream offers PCMU or PCMA over RTP/AVP')]);
    return;
  }

  const callId = getHeader(req, 'call-id') as string;
  const from = getHeader(req, 'from') as string;
  const to = getHeader(req, 'to') as string;
  const fromAddr = parseNameAddr(from);
  const plan = planStreams({ media: sdp.media, recordable, metadata: offer.metadata, fromUri: fromAddr?.uri ?? null, toUri: parseNameAddr(to)?.uri ?? null });
  const telephoneEventPt = chooseTelephoneEvent(sdp, plan.legs);
  const cseq = parseCSeq(getHeader(req, 'cseq') as string)?.seq ?? 0;
  const extraInfo = initialExtraInfo(callId, plan, offer.metadata);
  if (offer.metadataXml !== null) addMetadataVersion(extraInfo, { method: 'INVITE', cseq, xml: offer.metadataXml, meta: offer.metadata });
  setStreams(extraInfo, sdp, plan.legs, []);

  let session;
  try {
    session = await uas.registry.create({
      callerId: plan.callerId,
      calledNumber: plan.calledNumber,
      source: 'sip',
      telephoneEventPt: telephoneEventPt ?? undefined,
      extraInfo,
    });
  } catch (err) {
    const busy = err instanceof CallrecError && (err.code === 'CALLREC_ERR_NO_PORTS' || err.code === 'CALLREC_ERR_SHUTTING_DOWN');
    uas.counters.inc(busy ? 'rejected_503' : 'rejected_500');
    if (!busy) uas.log.error({ err, call_id: callId }, 'could not start a SIP recording');
    if (tx.finalStatus === 0) {
      uas.respond(tx, busy ? 503 : 500, [{ name: 'retry-after', value: String(RETRY_AFTER_SECONDS) }, warning(399, (err as Error).message)]);
    }
    return;
  }
  const contact = parseNameAddr(getHeaders(req, 'contact')[0] ?? '');
  const dialog = new RecordingDialog({
    callId,
    localTag: randomToken(),
    remoteTag: fromAddr?.params.get('tag') ?? '',
    localParty: to,
    remoteParty: from,
    remoteTarget: contact?.uri ?? fromAddr?.uri ?? req.uri,
    routeSet: getHeaders(req, 'record-route'),
    flow: tx.flow,
    remoteCseq: cseq,
    session,
    legs: [...plan.legs],
    telephoneEventPt,
    sdp,
    partiesFromMetadata: plan.partiesFromMetadata,
  });
  if (dialog.legs.includes('extra')) {
    await bindExtraStreams(uas.registry, session, sdp, dialog.legs, dialog.extraLabels, telephoneEventPt, uas.log);
  }
  if (tx.finalStatus !== 0 || uas.unavailable || session.state !== 'active') {
    // CANCELled, or shutdown began, while the ports were being bound: no call was
    // answered, so the recording is dropped and the session ended at once.
    const reason = tx.finalStatus === 487 ? 'sip_cancel' : 'shutdown';
    if (tx.finalStatus === 0) uas.respond(tx, 503, [{ name: 'retry-after', value: String(RETRY_AFTER_SECONDS) }]);
    uas.counters.inc(reason === 'sip_cancel' ? 'cancelled_after_start' : 'refused_after_start');
    const id = session.id;
    uas.registry
      .discard(id)
      .catch(() => {})
      .then(() => uas.registry.hangup(id, reason))
      .catch(() => {})
      .finally(() => uas.log.child({ session_id: id }).info({ call_id: callId, reason }, 'SIPREC INVITE not answered: recording discarded'));
    return;
  }

  uas.dialogs.set(dialog.key, dialog);
  const streams = answerStreams(sdp, dialog.legs, session, telephoneEventPt);
  const answer = renderAnswer(dialog, streams);
  setStreams(session.extraInfo, sdp, dialog.legs, streams.map((s) => s.port ?? 0));
  syncMediaInactive(uas.registry, dialog, sdp, uas.log);

  const headers: SipHeader[] = [
    { name: 'contact', value: uas.contact(req, tx.flow.transport) },
    { name: 'allow', value: ALLOW },
    { name: 'supported', value: SUPPORTED },
  ];
  if (timer.kind === 'accept') headers.push(...sessionTimerHeaders(timer.expires));
  const res = makeResponse(req, 200, { toTag: dialog.localTag, headers, body: Buffer.from(answer), contentType: 'application/sdp', recordRoute: true });
  uas.counters.inc('calls_answered');
  uas.sendOk(dialog, tx, res);
  uas.armSessionTimer(dialog, timer.kind === 'accept' ? timer.expires : null);
  uas.log.child({ session_id: session.id }).info(
    {
      call_id: callId,
      caller_id: plan.callerId,
      called_number: plan.calledNumber,
      labels: session.extraInfo.labels,
      metadata: offer.metadata?.dialect ?? null,
      transport: tx.flow.transport,
    },
    'SIPREC recording session answered',
  );
}
