/**
 * An offer inside the dialog: re-INVITE or UPDATE (RFC 7866 §6.1.2). The SRC
 * pauses a stream (`a=inactive`), resumes it (`a=sendonly`), removes it
 * (port 0), adds one, refreshes the session timer, or sends new metadata.
 * Streams keep their ports; the legs' timeline goes on through a pause.
 * A line that lost its stream gives its leg up; new lines take free legs
 * (following the metadata when it names the sender), else an extra leg of
 * their own. When every recorded stream is on hold the RTP timeout waits.
 * Metadata arriving late (after an SDP-only INVITE) names the parties; it
 * assigns legs only to lines without one (a leg's port never moves).
 */
import type { SipHeader } from '../message/message.js';
import { getHeader } from '../message/message.js';
import { parseCSeq, parseNameAddr } from '../message/header-values.js';
import type { RsMetadata } from '../metadata/rs-metadata.js';
import type { SdpSession } from '../sdp/parse.js';
import type { ServerTransaction } from '../transaction/server-transactions.js';
import { answerStreams, recordableLines, renderAnswer } from './answer-plan.js';
import type { UasContext } from './context.js';
import type { RecordingDialog } from './dialog.js';
import { checkOffer } from './invite.js';
import type { Offer } from './offer.js';
import { addMetadataVersion, setRoles, setStreams } from './recording-info.js';
import { ALLOW, SUPPORTED, makeResponse } from './responses.js';
import { sessionTimerHeaders } from './session-timer.js';
import type { SessionTimerDecision } from './session-timer.js';
import { bindExtraStreams, syncMediaInactive } from './stream-legs.js';
import { fillFreeLegs, planStreams } from './stream-plan.js';
import type { StreamPlan } from './stream-plan.js';

/** RFC 3261 §14.2: an INVITE while one is being answered gets 500 with Retry-After 0-10 s. */
const RETRY_AFTER_MAX_SECONDS = 10;

export function handleReoffer(uas: UasContext, tx: ServerTransaction, dialog: RecordingDialog): void {
  const req = tx.request;
  if (req.method === 'INVITE') tx.respond(makeResponse(req, 100));
  if (dialog.offerInProgress) {
    uas.counters.inc('rejected_500');
    uas.respond(tx, 500, [{ name: 'retry-after', value: String(Math.floor(Math.random() * (RETRY_AFTER_MAX_SECONDS + 1))) }]);
    return;
  }
  const checked = checkOffer(uas, tx);
  if (checked === null) return;
  answerReoffer(uas, tx, dialog, checked).catch((err) => {
    uas.counters.inc('internal_errors');
    uas.log.error({ err, method: req.method }, 'SIP re-offer handler failed');
    if (tx.finalStatus === 0) uas.respond(tx, 500);
  });
}

/** Runs to the response in the same tick unless a new extra leg must be bound. */
async function answerReoffer(uas: UasContext, tx: ServerTransaction, dialog: RecordingDialog, checked: { offer: Offer; timer: SessionTimerDecision }): Promise<void> {
  const req = tx.request;
  const isInvite = req.method === 'INVITE';
  const { offer, timer } = checked;
  const cseq = parseCSeq(getHeader(req, 'cseq') as string)?.seq ?? 0;
  const extra = dialog.session.extraInfo;
  if (offer.metadataXml !== null) {
    addMetadataVersion(extra, { method: req.method, cseq, xml: offer.metadataXml, meta: offer.metadata });
    void uas.registry.persistMetadata?.(dialog.session.id);
  }
  if (offer.metadata !== null && offer.sdp === null) learnParties(uas, dialog, planFor(dialog.sdp, offer.metadata));

  let body: Buffer = Buffer.alloc(0);
  if (offer.sdp !== null) {
    const sdp = offer.sdp;
    const recordable = recordableLines(sdp);
    const legs: Array<string | null> = sdp.media.map((_m, i) => (recordable[i] ? (dialog.legs[i] ?? null) : null));
    if (offer.metadata !== null) {
      const plan = planFor(sdp, offer.metadata);
      plan.legs.forEach((leg, i) => {
        if (leg !== null && leg !== 'extra' && legs[i] === null && !legs.includes(leg)) legs[i] = leg;
      });
      learnParties(uas, dialog, plan);
    }
    fillFreeLegs(legs, recordable);
    recordable.forEach((ok, i) => {
      if (ok && legs[i] === null) legs[i] = 'extra';
    });
    if (legs.includes('extra')) {
      dialog.offerInProgress = true;
      try {
        await bindExtraStreams(uas.registry, dialog.session, sdp, legs, dialog.extraLabels, dialog.telephoneEventPt, uas.log);
      } finally {
        dialog.offerInProgress = false;
      }
      if (dialog.ended || dialog.session.state !== 'active') {
        // BYE'd (or ended by the recorder) while the port was being bound.
        uas.counters.inc('rejected_481');
        uas.respond(tx, 481);
        return;
      }
    }
    const before = describe(extra);
    dialog.legs = legs;
    dialog.sdp = sdp;
    const streams = answerStreams(sdp, legs, dialog.session, dialog.telephoneEventPt);
    body = Buffer.from(renderAnswer(dialog, streams));
    setStreams(extra, sdp, legs, streams.map((s) => s.port ?? 0));
    syncMediaInactive(uas.registry, dialog, sdp, uas.log);
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

function planFor(sdp: SdpSession, metadata: RsMetadata): StreamPlan {
  return planStreams({ media: sdp.media, recordable: recordableLines(sdp), metadata, fromUri: null, toUri: null });
}

/**
 * Caller / callee ids the call does not have from metadata yet (an SDP-only
 * INVITE, or metadata that named one party only) are taken from this plan.
 */
function learnParties(uas: UasContext, dialog: RecordingDialog, plan: StreamPlan): void {
  const known = dialog.partiesFromMetadata;
  const learnCaller = !known.caller && plan.partiesFromMetadata.caller;
  const learnCallee = !known.callee && plan.partiesFromMetadata.callee;
  if (!learnCaller && !learnCallee) return;
  const session = dialog.session;
  const callerId = learnCaller ? plan.callerId : session.callerId;
  const calledNumber = learnCallee ? plan.calledNumber : session.calledNumber;
  session.setParties(callerId, calledNumber);
  setRoles(session.extraInfo, learnCaller ? plan.caller : null, learnCallee ? plan.callee : null);
  void uas.registry.persistMetadata?.(session.id);
  dialog.partiesFromMetadata = { caller: known.caller || learnCaller, callee: known.callee || learnCallee };
  uas.log.child({ session_id: session.id }).info({ call_id: dialog.callId, caller_id: callerId, called_number: calledNumber }, 'SIPREC metadata named the parties');
}

/** e.g. `1:incoming:sendonly 2:outgoing:inactive` (for the log, and to see a change). */
function describe(extra: Record<string, unknown>): string {
  const streams = (extra.siprec as { streams?: Array<{ label: string | null; leg: string | null; direction: string }> }).streams ?? [];
  return streams.map((s) => `${s.label ?? '-'}:${s.leg ?? 'none'}:${s.direction}`).join(' ');
}
