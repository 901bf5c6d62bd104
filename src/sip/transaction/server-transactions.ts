/**
 * Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state).
 * They absorb retransmitted requests (answering with the last response),
 * retransmit a non-2xx final to INVITE over UDP until the ACK (timer G,
 * given up at timer H), and linger after the final response so late
 * retransmissions are still recognised (timers H/I/J/L).
 *
 * INVITE:     proceeding ─1xx─▶ proceeding
 *                  │ 2xx ─▶ accepted ──timer L──▶ terminated
 *                  │ 3xx-6xx ─▶ completed ─ACK─▶ confirmed ─timer I─▶ terminated
 *                                   └─timer H (no ACK)─▶ terminated
 * non-INVITE: trying ─1xx─▶ proceeding ─final─▶ completed ─timer J─▶ terminated
 *
 * A 2xx to INVITE is retransmitted by the dialog layer (§13.3.1.4), not here.
 */
import { getHeader, getHeaders } from '../message/message.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { parseCSeq, parseNameAddr, parseVia } from '../message/header-values.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipCounters } from '../stats.js';
import { isReliable } from '../transport/flow.js';
import type { FallbackTarget, Flow } from '../transport/flow.js';
import { Retransmitter, later } from './timers.js';
import type { SipTimers } from './timers.js';

export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type SendFn = (flow: Flow, bytes: Buffer, fallback?: FallbackTarget) => void;

const MAGIC_COOKIE = 'z9hG4bK';
const DEFAULT_SIP_PORT = 5060;

/** Transaction id of a request (§17.2.3); ACK maps to its INVITE's transaction. */
export function transactionKey(req: SipRequest): string | null {
  const topVia = getHeaders(req, 'via')[0];
  if (topVia === undefined) return null;
  const via = parseVia(topVia);
  if (via === null) return null;
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const branch = via.params.get('branch') ?? '';
  if (branch.startsWith(MAGIC_COOKIE)) return `${branch}|${via.host}:${via.port ?? ''}|${method}`;
  // RFC 2543 peers: no unique branch, match on the dialog fields and the Via.
  const cseq = parseCSeq(getHeader(req, 'cseq') ?? '');
  const fromTag = parseNameAddr(getHeader(req, 'from') ?? '')?.params.get('tag') ?? '';
  return `${getHeader(req, 'call-id') ?? ''}|${fromTag}|${cseq?.seq ?? ''}|${topVia}|${method}`;
}

/** Where to open a new connection for a response when the request's one is gone (§18.2.2). */
export function responseFallback(req: SipRequest): FallbackTarget | undefined {
  const via = parseVia(getHeaders(req, 'via')[0] ?? '');
  if (via === null) return undefined;
  const rport = Number(via.params.get('rport'));
  return { host: via.params.get('received') || via.host, port: rport > 0 ? rport : (via.port ?? DEFAULT_SIP_PORT) };
}

export class ServerTransaction {
  readonly key: string;
  readonly request: SipRequest;
  readonly flow: Flow;
  readonly isInvite: boolean;
  state: ServerTransactionState;
  #last: Buffer | null = null;
  #lastStatus = 0;
  #retransmitter: Retransmitter | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #table: ServerTransactionTable;

  constructor(table: ServerTransactionTable, key: string, request: SipRequest, flow: Flow) {
    this.#table = table;
    this.key = key;
    this.request = request;
    this.flow = flow;
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'proceeding' : 'trying';
  }

  /** The final status sent, or 0 while none has been. */
  get finalStatus(): number {
    return this.#lastStatus >= 200 ? this.#lastStatus : 0;
  }

  respond(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    const bytes = serializeMessage(res);
    this.#last = bytes;
    this.#lastStatus = res.status;
    const { timers } = this.#table;
    if (res.status < 200) {
      this.state = 'proceeding';
      this.#send();
      return;
    }
    const reliable = isReliable(this.flow);
    if (!this.isInvite) {
      this.state = 'completed';
      this.#send();
      this.#finishAfter(reliable ? 0 : 64 * timers.t1);
    } else if (res.status < 300) {
      this.state = 'accepted';
      this.#send();
      this.#finishAfter(64 * timers.t1);
    } else {
      this.state = 'completed';
      this.#retransmitter = new Retransmitter({
        send: () => this.#send(),
        timers,
        repeat: !reliable,
        onTimeout: () => {
          this.#table.counters.inc('ack_timeouts');
          this.terminate();
        },
      });
      this.#retransmitter.start();
    }
  }

  /** A retransmission of the request arrived: answer it with the last response, if any. */
  retransmitted(): void {
    this.#table.counters.inc('retransmissions_absorbed');
    if (this.#last !== null && this.state !== 'confirmed') this.#send();
  }

  /** ACK for our non-2xx final response (same branch). */
  acked(): void {
    if (this.state !== 'completed') return;
    this.#retransmitter?.stop();
    this.state = 'confirmed';
    this.#finishAfter(isReliable(this.flow) ? 0 : this.#table.timers.t4);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#retransmitter?.stop();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#table.remove(this);
  }

  #finishAfter(ms: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (ms === 0) this.terminate();
    else this.#timer = later(ms, () => this.terminate());
  }

  #send(): void {
    if (this.#last !== null) this.#table.send(this.flow, this.#last, responseFallback(this.request));
  }
}

export class ServerTransactionTable {
  readonly send: SendFn;
  readonly timers: SipTimers;
  readonly counters: SipCounters;
  readonly #byKey = new Map<string, ServerTransaction>();
  readonly #max: number;

  constructor(opts: { send: SendFn; timers: SipTimers; counters: SipCounters; max?: number }) {
    this.send = opts.send;
    this.timers = opts.timers;
    this.counters = opts.counters;
    this.#max = opts.max ?? 100_000;
  }

  get size(): number {
    return this.#byKey.size;
  }

  get full(): boolean {
    return this.#byKey.size >= this.#max;
  }

  /** The live transaction this request belongs to (a retransmission, an ACK or a CANCEL's INVITE). */
  find(key: string): ServerTransaction | undefined {
    return this.#byKey.get(key);
  }

  /** The INVITE transaction a CANCEL targets (same branch, §9.2). */
  inviteFor(cancelKey: string): ServerTransaction | undefined {
    return this.#byKey.get(cancelKey.replace(/\|CANCEL$/, '|INVITE'));
  }

  create(key: string, req: SipRequest, flow: Flow): ServerTransaction {
    const tx = new ServerTransaction(this, key, req, flow);
    this.#byKey.set(key, tx);
    return tx;
  }

  remove(tx: ServerTransaction): void {
    if (this.#byKey.get(tx.key) === tx) this.#byKey.delete(tx.key);
  }

  /** INVITE transactions still waiting for their final response. */
  unansweredInvites(): ServerTransaction[] {
    return [...this.#byKey.values()].filter((tx) => tx.isInvite && tx.finalStatus === 0 && tx.state === 'proceeding');
  }

  close(): void {
    for (const tx of [...this.#byKey.values()]) tx.terminate();
  }
}
