/**
 * A recording dialog (RFC 3261 §12 from the UAS side): the SIP identity of
 * one SIPREC call and what its streams are recording. It keeps the 2xx
 * retransmission going until the ACK, the session timer, and knows how to
 * build the in-dialog BYE when the recorder ends the call itself.
 */
import { randomBytes } from 'node:crypto';
import type { SipHeader, SipRequest } from '../message/message.js';
import type { Session } from '../../session/index.js';
import type { Retransmitter } from '../transaction/timers.js';
import type { SdpSession } from '../sdp/parse.js';
import type { Flow } from '../transport/flow.js';

export function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** The INVITE's To value (our identity); the tag is added when sending. */
  localParty: string;
  /** The INVITE's From value, tag included. */
  remoteParty: string;
  remoteTarget: string;
  routeSet: string[];
  flow: Flow;
  remoteCseq: number;
  session: Session;
  legs: Array<string | null>;
  telephoneEventPt: number | null;
  /** The INVITE's SDP offer. */
  sdp: SdpSession;
  /** Whether the INVITE's metadata named the caller / the callee. */
  partiesFromMetadata: { caller: boolean; callee: boolean };
}

export class RecordingDialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localParty: string;
  readonly remoteParty: string;
  remoteTarget: string;
  readonly routeSet: string[];
  /** Where the latest request came from: in-dialog requests we send go there. */
  flow: Flow;
  remoteCseq: number;
  localCseq = 1;
  readonly session: Session;
  /** Per offered m= line (in order): the leg it records (`incoming`, `outgoing`, `extra_<label>`), or null. */
  legs: Array<string | null>;
  /** The a=label each extra leg was made for (a line dropped and offered again gets its leg back). */
  readonly extraLabels = new Map<string, string>();
  readonly telephoneEventPt: number | null;
  /** The latest SDP offer (a metadata-only UPDATE is planned against it). */
  sdp: SdpSession;
  /** Whether the caller / callee ids came from metadata yet (late metadata fills in the rest). */
  partiesFromMetadata: { caller: boolean; callee: boolean };
  /** What the registry was last told: every recorded stream on hold. */
  mediaInactive = false;
  /** An offer is being answered (extra ports being bound): another one waits (500 + Retry-After). */
  offerInProgress = false;
  readonly sdpSessionId = String(Date.now());
  sdpVersion = 1;
  /** Our last answer without its o= line, to tell whether a new one changed. */
  lastAnswerBody = '';
  lastAnswer = '';
  /** The 2xx to INVITE being retransmitted until its ACK. */
  pendingOk: { cseq: number; retransmitter: Retransmitter } | null = null;
  sessionTimer: NodeJS.Timeout | null = null;
  /** Set once the dialog is over (BYE either way); nothing is sent after. */
  ended = false;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localParty = init.localParty;
    this.remoteParty = init.remoteParty;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.flow = init.flow;
    this.remoteCseq = init.remoteCseq;
    this.session = init.session;
    this.legs = init.legs;
    this.telephoneEventPt = init.telephoneEventPt;
    this.sdp = init.sdp;
    this.partiesFromMetadata = init.partiesFromMetadata;
  }

  static key(callId: string, localTag: string, remoteTag: string): string {
    return `${callId}\n${localTag}\n${remoteTag}`;
  }

  get key(): string {
    return RecordingDialog.key(this.callId, this.localTag, this.remoteTag);
  }

  /** Stop every timer (2xx retransmission, session timer). */
  stopTimers(): void {
    this.pendingOk?.retransmitter.stop();
    this.pendingOk = null;
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer);
    this.sessionTimer = null;
  }

  /**
   * The BYE we send (§15.1.1): request-URI = remote target, Route = the
   * route set, From/To swapped from the INVITE, our next CSeq, and a
   * Reason (RFC 3326) saying why the recorder ended the call.
   */
  buildBye(via: { transport: string; host: string; port: number }, reason: string): SipRequest {
    const headers: SipHeader[] = [
      { name: 'via', value: `SIP/2.0/${via.transport.toUpperCase()} ${via.host}:${via.port};branch=z9hG4bK${randomToken()};rport` },
      { name: 'max-forwards', value: '70' },
    ];
    for (const route of this.routeSet) headers.push({ name: 'route', value: route });
    headers.push(
      { name: 'from', value: `${this.localParty};tag=${this.localTag}` },
      { name: 'to', value: this.remoteParty },
      { name: 'call-id', value: this.callId },
      { name: 'cseq', value: `${this.localCseq++} BYE` },
      { name: 'reason', value: `SIP;cause=200;text="${reason}"` },
      { name: 'user-agent', value: 'callrec' },
    );
    return { kind: 'request', method: 'BYE', uri: this.remoteTarget, headers, body: Buffer.alloc(0) };
  }
}
