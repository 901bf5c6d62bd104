/**
 * Non-INVITE client transactions (RFC 3261 §17.1.2), for the few requests
 * the recorder sends itself: a BYE when it ends a call (session timer,
 * missing ACK, shutdown, RTP timeout). Over UDP the request is retransmitted
 * (timer E) until a final response or 64·T1 (timer F).
 */
import { getHeaders } from '../message/message.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { parseVia } from '../message/header-values.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipCounters } from '../stats.js';
import { isReliable } from '../transport/flow.js';
import type { FallbackTarget, Flow } from '../transport/flow.js';
import { Retransmitter } from './timers.js';
import type { SipTimers } from './timers.js';
import type { SendFn } from './server-transactions.js';

interface ClientTransaction {
  retransmitter: Retransmitter;
  onDone: (status: number) => void;
}

function branchOf(msg: SipRequest | SipResponse): string | null {
  const via = parseVia(getHeaders(msg, 'via')[0] ?? '');
  return via?.params.get('branch') ?? null;
}

export class ClientTransactionTable {
  readonly #send: SendFn;
  readonly #timers: SipTimers;
  readonly #counters: SipCounters;
  readonly #byBranch = new Map<string, ClientTransaction>();

  constructor(opts: { send: SendFn; timers: SipTimers; counters: SipCounters }) {
    this.#send = opts.send;
    this.#timers = opts.timers;
    this.#counters = opts.counters;
  }

  get size(): number {
    return this.#byBranch.size;
  }

  /** Send `req` (its top Via carries a fresh branch); `onDone` gets the final status, or 408 on timeout. */
  request(req: SipRequest, flow: Flow, fallback: FallbackTarget | undefined, onDone: (status: number) => void = () => {}): void {
    const branch = branchOf(req);
    if (branch === null) throw new TypeError('a client request needs a Via with a branch');
    const bytes = serializeMessage(req);
    const retransmitter = new Retransmitter({
      send: () => this.#send(flow, bytes, fallback),
      timers: this.#timers,
      repeat: !isReliable(flow),
      onTimeout: () => {
        this.#byBranch.delete(branch);
        this.#counters.inc('request_timeouts');
        onDone(408);
      },
    });
    this.#byBranch.set(branch, { retransmitter, onDone });
    retransmitter.start();
  }

  /** A response arrived: true when it belongs to one of our requests. */
  response(res: SipResponse): boolean {
    const branch = branchOf(res);
    const tx = branch === null ? undefined : this.#byBranch.get(branch);
    if (tx === undefined || branch === null) return false;
    if (res.status >= 200) {
      tx.retransmitter.stop();
      this.#byBranch.delete(branch);
      tx.onDone(res.status);
    }
    return true;
  }

  close(): void {
    for (const tx of this.#byBranch.values()) tx.retransmitter.stop();
    this.#byBranch.clear();
  }
}
