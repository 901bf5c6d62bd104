/**
 * What the request handlers share: the registry, the transaction tables, the
 * live dialogs, and the few actions every handler needs (answer with a 2xx
 * that is retransmitted until ACK, end a dialog, say who we are).
 */
import type { Logger } from '../../log.js';
import type { EndReason, SessionRegistry } from '../../session/index.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/message.js';
import type { SipCounters } from '../stats.js';
import type { ServerTransaction } from '../transaction/server-transactions.js';
import type { SipTimers } from '../transaction/timers.js';
import type { RecordingDialog } from './dialog.js';

export interface UasContext {
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly counters: SipCounters;
  readonly timers: SipTimers;
  readonly dialogs: Map<string, RecordingDialog>;
  /** True while starting or once close() began: new calls get 503. */
  readonly unavailable: boolean;
  /** Answer `tx` with a final response built from its request. */
  respond(tx: ServerTransaction, status: number, headers?: SipHeader[]): void;
  /** Send a 2xx to INVITE and retransmit it until the ACK (RFC 3261 §13.3.1.4). */
  sendOk(dialog: RecordingDialog, tx: ServerTransaction, res: SipResponse): void;
  /** End a dialog once: stop its timers, optionally send BYE and/or end the recording. */
  endDialog(dialog: RecordingDialog, why: string, opts: { bye: boolean; hangupReason: EndReason | null }): void;
  /** (Re)arm the session timer: no refresh within `expires` seconds ends the call. */
  armSessionTimer(dialog: RecordingDialog, expires: number | null): void;
  /** Our Contact header value (with `+sip.srs`) for a request that came in on this transport. */
  contact(req: SipRequest, transport: string): string;
}

/** `Warning: 399 callrec "text"` (RFC 3261 §20.43). */
export function warning(code: number, text: string): SipHeader {
  return { name: 'warning', value: `${code} callrec "${text.replace(/["\\]/g, "'")}"` };
}
