/**
 * The recording server's user agent core: every parsed message lands here.
 * Responses go to our client transactions (BYEs we sent); requests are
 * checked (§8.2: the headers a response needs, CSeq), matched to their
 * transaction (retransmissions absorbed) and dialog, and dispatched:
 *
 *   OPTIONS → 200 (Allow, Accept, Supported)   INVITE  → new call / re-offer
 *   ACK     → ends the 2xx retransmission       UPDATE  → re-offer
 *   BYE     → 200, the recording is finalized   CANCEL  → 200 + 487 if unanswered
 *   other   → 405 (known methods) or 501
 *
 * A throw in a handler is a bug: it is logged and counted and the request
 * gets a 500; it never takes the server down.
 */
import type { Logger } from '../../log.js';
import type { EndReason, SessionRegistry } from '../../session/index.js';
import { getHeader, getHeaders } from '../message/message.js';
import type { SipHeader, SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { parseCSeq, parseNameAddr } from '../message/header-values.js';
import { parseSipMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import { parseUri } from '../message/uri.js';
import type { SipCounters } from '../stats.js';
import type { ClientTransactionTable } from '../transaction/client-transactions.js';
import { ServerTransactionTable, responseFallback, transactionKey } from '../transaction/server-transactions.js';
import type { SendFn, ServerTransaction } from '../transaction/server-transactions.js';
import { Retransmitter, later } from '../transaction/timers.js';
import type { SipTimers } from '../transaction/timers.js';
import type { Flow } from '../transport/flow.js';
import type { UasContext } from './context.js';
import { RecordingDialog, randomToken } from './dialog.js';
import { RETRY_AFTER_SECONDS, acceptInvite } from './invite.js';
import { handleReoffer } from './reoffer.js';
import { ACCEPT, ALLOW, SUPPORTED, makeResponse, srsContact, stampTopVia } from './responses.js';
import { requestProblem } from './request-checks.js';
import { byeAfterMs } from './session-timer.js';

const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'UPDATE', 'INFO', 'PRACK', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH']);
const DEFAULT_SIP_PORT = 5060;

export interface UasDeps {
  registry: SessionRegistry;
  log: Logger;
  counters: SipCounters;
  timers: SipTimers;
  send: SendFn;
  clientTx: ClientTransactionTable;
  /** The address and port we announce in Contact and Via. */
  local: { host: string; port: number };
  /** False while the recorder starts: new calls and OPTIONS get 503. */
  isReady?: () => boolean;
}

export class RecordingUas implements UasContext {
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly counters: SipCounters;
  readonly timers: SipTimers;
  readonly dialogs = new Map<string, RecordingDialog>();
  readonly serverTx: ServerTransactionTable;
  readonly #deps: UasDeps;
  #closing = false;

  constructor(deps: UasDeps) {
    this.#deps = deps;
    this.registry = deps.registry;
    this.log = deps.log;
    this.counters = deps.counters;
    this.timers = deps.timers;
    this.serverTx = new ServerTransactionTable({ send: deps.send, timers: deps.timers, counters: deps.counters });
  }

  get unavailable(): boolean {
    return this.#closing || (this.#deps.isReady !== undefined && !this.#deps.isReady());
  }

  /** One message off the wire. Never throws. */
  receive(bytes: Buffer, flow: Flow): void {
    const parsed = parseSipMessage(bytes, { datagram: flow.transport === 'udp' });
    if (!parsed.ok) {
      this.counters.inc('parse_errors');
      this.counters.inc(`parse_error_${parsed.reason}`);
      this.log.debug({ reason: parsed.reason, from: `${flow.address}:${flow.port}`, transport: flow.transport }, 'dropped an unparsable SIP message');
      return;
    }
    try {
      this.#dispatch(parsed.message, flow);
    } catch (err) {
      this.counters.inc('internal_errors');
      this.log.error({ err }, 'SIP handler failed');
    }
  }

  #dispatch(msg: SipMessage, flow: Flow): void {
    if (msg.kind === 'response') {
      this.counters.inc('responses_received');
      if (!this.#deps.clientTx.response(msg)) this.counters.inc('stray_responses');
      return;
    }
    const req = msg;
    this.counters.inc(KNOWN_METHODS.has(req.method) ? `requests_${req.method.toLowerCase()}` : 'requests_other');
    if (getHeaders(req, 'via').length === 0) {
      this.counters.inc('dropped_no_via');
      return;
    }
    stampTopVia(req, flow);
    const problem = requestProblem(req);
    if (problem !== null) {
      this.counters.inc('rejected_400');
      if (req.method !== 'ACK') this.#sendStateless(req, flow, makeResponse(req, 400, { toTag: randomToken(), reason: `Bad Request (${problem})` }));
      return;
    }
    const key = transactionKey(req);
    if (key === null) {
      this.counters.inc('dropped_no_via');
      return;
    }
    if (req.method === 'ACK') return this.#onAck(req, key);
    const existing = this.serverTx.find(key);
    if (existing !== undefined) return existing.retransmitted();
    if (this.serverTx.full) {
      this.counters.inc('rejected_503');
      this.#sendStateless(req, flow, makeResponse(req, 503, { toTag: randomToken(), headers: [{ name: 'retry-after', value: '5' }] }));
      return;
    }
    const tx = this.serverTx.create(key, req, flow);
    try {
      this.#route(tx);
    } catch (err) {
      this.counters.inc('internal_errors');
      this.log.error({ err, method: req.method }, 'SIP request handler failed');
      if (tx.finalStatus === 0) this.respond(tx, 500);
    }
  }

  #route(tx: ServerTransaction): void {
    const req = tx.request;
    const toTag = parseNameAddr(getHeader(req, 'to') as string)?.params.get('tag');
    const dialog = toTag === undefined ? undefined : this.#findDialog(req);
    if (dialog !== undefined && req.method !== 'CANCEL') {
      const seq = parseCSeq(getHeader(req, 'cseq') as string)?.seq ?? 0;
      if (seq <= dialog.remoteCseq) {
        this.counters.inc('rejected_500');
        this.respond(tx, 500, [{ name: 'retry-after', value: '1' }]);
        return;
      }
      dialog.remoteCseq = seq;
      dialog.flow = tx.flow;
    }
    switch (req.method) {
      case 'OPTIONS':
        if (this.unavailable) {
          this.respond(tx, 503, [{ name: 'retry-after', value: '1' }]);
          return;
        }
        this.respond(tx, 200, [
          { name: 'allow', value: ALLOW },
          { name: 'accept', value: ACCEPT },
          { name: 'supported', value: SUPPORTED },
          { name: 'contact', value: this.contact(req, tx.flow.transport) },
        ]);
        return;
      case 'INVITE':
        if (toTag === undefined) {
          acceptInvite(this, tx).catch((err) => {
            this.counters.inc('internal_errors');
            this.log.error({ err }, 'INVITE handler failed');
            if (tx.finalStatus === 0) this.respond(tx, 500);
          });
        } else if (dialog === undefined || dialog.session.state !== 'active') {
          this.#noDialog(tx, dialog);
        } else handleReoffer(this, tx, dialog);
        return;
      case 'UPDATE':
        if (dialog === undefined || dialog.session.state !== 'active') this.#noDialog(tx, dialog);
        else handleReoffer(this, tx, dialog);
        return;
      case 'BYE':
        if (dialog === undefined) return this.#noDialog(tx, dialog);
        this.respond(tx, 200);
        this.counters.inc('calls_ended_by_bye');
        this.endDialog(dialog, 'BYE received', { bye: false, hangupReason: 'sip_bye' });
        return;
      case 'CANCEL':
        return this.#onCancel(tx);
      case 'INFO':
        if (dialog === undefined) this.#noDialog(tx, dialog);
        else this.respond(tx, 200);
        return;
      default:
        if (KNOWN_METHODS.has(req.method)) this.respond(tx, 405, [{ name: 'allow', value: ALLOW }]);
        else this.respond(tx, 501, [{ name: 'allow', value: ALLOW }]);
    }
  }

  #noDialog(tx: ServerTransaction, dialog: RecordingDialog | undefined): void {
    this.counters.inc('rejected_481');
    this.respond(tx, 481);
    if (dialog !== undefined) this.endDialog(dialog, 'recording already ended', { bye: false, hangupReason: null });
  }

  #findDialog(req: SipMessage): RecordingDialog | undefined {
    const toTag = parseNameAddr(getHeader(req, 'to') ?? '')?.params.get('tag');
    const fromTag = parseNameAddr(getHeader(req, 'from') ?? '')?.params.get('tag') ?? '';
    if (toTag === undefined) return undefined;
    return this.dialogs.get(RecordingDialog.key(getHeader(req, 'call-id') ?? '', toTag, fromTag));
  }

  #onAck(req: SipRequest, key: string): void {
    const tx = this.serverTx.find(key);
    if (tx !== undefined && tx.state === 'completed') {
      tx.acked();
      return;
    }
    const dialog = this.#findDialog(req);
    const seq = parseCSeq(getHeader(req, 'cseq') as string)?.seq;
    if (dialog !== undefined && dialog.pendingOk !== null && dialog.pendingOk.cseq === seq) {
      dialog.pendingOk.retransmitter.stop();
      dialog.pendingOk = null;
      this.counters.inc('acks');
      return;
    }
    this.counters.inc(tx !== undefined || dialog !== undefined ? 'acks_duplicate' : 'acks_stray');
  }

  #onCancel(tx: ServerTransaction): void {
    const invite = this.serverTx.inviteFor(tx.key);
    if (invite === undefined || !invite.isInvite) {
      this.counters.inc('rejected_481');
      this.respond(tx, 481);
      return;
    }
    this.respond(tx, 200);
    if (invite.finalStatus === 0) {
      this.counters.inc('calls_cancelled');
      this.respond(invite, 487);
    }
  }

  respond(tx: ServerTransaction, status: number, headers: SipHeader[] = []): void {
    const toTag = status === 100 ? undefined : randomToken();
    tx.respond(makeResponse(tx.request, status, { toTag, headers }));
  }

  sendOk(dialog: RecordingDialog, tx: ServerTransaction, res: SipResponse): void {
    tx.respond(res);
    const bytes = serializeMessage(res);
    const cseq = parseCSeq(getHeader(tx.request, 'cseq') as string)?.seq ?? 0;
    dialog.pendingOk?.retransmitter.stop();
    const retransmitter = new Retransmitter({
      send: () => {
        this.counters.inc('ok_retransmissions');
        this.#deps.send(tx.flow, bytes, responseFallback(tx.request));
      },
      timers: this.timers,
      repeat: true,
      sendFirst: false,
      onTimeout: () => {
        // §13.3.1.4: no ACK within 64·T1 — the session is over.
        dialog.pendingOk = null;
        this.counters.inc('ack_timeouts');
        this.endDialog(dialog, 'no ACK for the 200 OK', { bye: true, hangupReason: 'sip_no_ack' });
      },
    });
    dialog.pendingOk = { cseq, retransmitter };
    retransmitter.start();
  }

  endDialog(dialog: RecordingDialog, why: string, opts: { bye: boolean; hangupReason: EndReason | null }): void {
    if (dialog.ended) return;
    dialog.ended = true;
    dialog.stopTimers();
    this.dialogs.delete(dialog.key);
    const log = this.log.child({ session_id: dialog.session.id });
    log.info({ call_id: dialog.callId, why, bye_sent: opts.bye }, 'SIPREC recording dialog ended');
    if (opts.bye) this.#sendBye(dialog, why);
    if (opts.hangupReason !== null && dialog.session.state === 'active') {
      try {
        this.registry.hangup(dialog.session.id, opts.hangupReason).catch((err) => log.error({ err }, 'finalizing the SIP recording failed'));
      } catch {
        // Already ended by someone else (API, RTP timeout): nothing to do.
      }
    }
  }

  #sendBye(dialog: RecordingDialog, why: string): void {
    const transport = dialog.flow.transport;
    const bye = dialog.buildBye({ transport, host: this.#deps.local.host, port: this.#deps.local.port }, why);
    const target = parseUri(dialog.remoteTarget);
    const fallback = target === null ? undefined : { host: target.host, port: target.port ?? DEFAULT_SIP_PORT };
    this.counters.inc('byes_sent');
    this.#deps.clientTx.request(bye, { ...dialog.flow }, fallback, (status) => {
      if (status >= 300) this.counters.inc('bye_failures');
    });
  }

  armSessionTimer(dialog: RecordingDialog, expires: number | null): void {
    if (dialog.sessionTimer !== null) clearTimeout(dialog.sessionTimer);
    dialog.sessionTimer = null;
    if (expires === null) return;
    dialog.sessionTimer = later(byeAfterMs(expires), () => {
      this.counters.inc('session_timer_expired');
      this.endDialog(dialog, 'session timer expired', { bye: true, hangupReason: 'session_timer' });
    });
  }

  contact(req: SipRequest, transport: string): string {
    return srsContact(this.#deps.local, req, transport);
  }

  /** End dialogs whose recording ended without SIP (API hangup, RTP timeout): tell the SRC with a BYE. */
  sweep(): void {
    for (const dialog of [...this.dialogs.values()]) {
      if (dialog.session.state !== 'active') this.endDialog(dialog, 'recording ended', { bye: true, hangupReason: null });
    }
  }

  /** Stop taking calls; BYE every live dialog (the registry finalizes the recordings). */
  close(): void {
    this.#closing = true;
    for (const tx of this.serverTx.unansweredInvites()) this.respond(tx, 503, [{ name: 'retry-after', value: String(RETRY_AFTER_SECONDS) }]);
    for (const dialog of [...this.dialogs.values()]) this.endDialog(dialog, 'recorder shutting down', { bye: true, hangupReason: null });
    this.serverTx.close();
  }

  #sendStateless(req: SipRequest, flow: Flow, res: SipResponse): void {
    this.#deps.send(flow, serializeMessage(res), responseFallback(req));
  }
}
