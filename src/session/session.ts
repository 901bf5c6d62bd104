/**
 * A session: one call, two legs (SPEC §2), plus any extra streams a SIPREC
 * offer brings (recorded as extra_<label> files and averaged into the mix). Holds the legs' receivers and the
 * metadata; hangup() may be called by the API, the RTP timeout, SIP BYE or
 * shutdown, in any order and any number of times, and finalizes once.
 */
import type { RtpReceiver } from '../ingest/index.js';
import { LegCounter } from '../ring/index.js';
import type { LegStats, SessionInfo } from '../storage/index.js';

export type LegName = 'incoming' | 'outgoing';
export const LEG_NAMES: readonly LegName[] = ['incoming', 'outgoing'];

export type SessionState = 'active' | 'ending' | 'ended';

/** PCI pause: `silence` keeps the timeline (silence in every file), `skip` leaves the span out. */
export type PauseBehavior = 'silence' | 'skip';

export interface PauseInterval {
  behavior: PauseBehavior;
  /** Epoch ms (fractional). */
  startEpochMs: number;
  endEpochMs: number | null;
}

export interface SessionLeg {
  /** `incoming`, `outgoing`, or `extra_<label>`. */
  name: string;
  /** Its key in session_info.json `files`: `<name>_audio`. */
  fileKey: string;
  receiver: RtpReceiver;
  /** Live counters the worker writes (see ring/leg-counters.ts). */
  counters: Uint32Array;
  fileName: string;
  path: string;
}

export interface SessionInit {
  id: string;
  callerId: string;
  calledNumber: string;
  source: 'http' | 'sip';
  /** Epoch ms (fractional) of start_time. */
  startEpochMs: number;
  startIso: string;
  /** performance.now() at start_time. */
  startPerfMs: number;
  dir: string;
  legs: Record<LegName, SessionLeg>;
  announceHost: string;
  /** More metadata kept in session_info.json (e.g. `siprec`, `sip_call_id`). */
  extraInfo?: Record<string, unknown>;
  /** Also write the stereo file at hangup. */
  stereo?: boolean;
}

export class Session {
  readonly id: string;
  /** Mutable: SIPREC metadata may arrive after the INVITE (see setParties). */
  callerId: string;
  calledNumber: string;
  readonly source: 'http' | 'sip';
  readonly startEpochMs: number;
  readonly startIso: string;
  readonly startPerfMs: number;
  readonly dir: string;
  readonly legs: Record<LegName, SessionLeg>;
  /** Streams beyond the two legs (SIPREC), in the order they were added. */
  readonly extraLegs: SessionLeg[] = [];
  readonly announceHost: string;
  /**
   * Set while every stream is on hold by offer/answer (a=inactive): the RTP
   * timeout does not end the call then, and counts again from when it is cleared.
   */
  mediaInactive = false;
  /** performance.now() when media last became active again (or the start). */
  activitySinceMs: number;
  /** Problems worth keeping in the metadata (e.g. "incoming: ENOSPC"). */
  readonly errors: string[] = [];
  /** More metadata for session_info.json; the SIP layer may update it while the call runs. */
  readonly extraInfo: Record<string, unknown>;
  state: SessionState = 'active';
  readonly stereo: boolean;
  /** Every pause, in order; the last one is open (endEpochMs null) while paused. */
  readonly pauses: PauseInterval[] = [];
  /** Milliseconds left out of the files by `skip` pauses. */
  skippedMs = 0;
  /** The recording was dropped on request: nothing more is written, the files are gone. */
  discarded = false;
  /** A write failure (e.g. ENOSPC) has been logged for this call: log it once, not per packet. */
  writeFailureLogged = false;
  /** The last metadata rewrite while recording; finalize waits for it before the final write. */
  metadataWrite: Promise<void> = Promise.resolve();
  #finalized: Promise<SessionInfo> | null = null;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.callerId = init.callerId;
    this.calledNumber = init.calledNumber;
    this.source = init.source;
    this.startEpochMs = init.startEpochMs;
    this.startIso = init.startIso;
    this.startPerfMs = init.startPerfMs;
    this.dir = init.dir;
    this.legs = init.legs;
    this.announceHost = init.announceHost;
    this.extraInfo = { ...init.extraInfo };
    this.stereo = init.stereo ?? false;
    this.activitySinceMs = init.startPerfMs;
  }

  /** Every leg with a file: incoming, outgoing, then the extra streams. */
  allLegs(): SessionLeg[] {
    return [this.legs.incoming, this.legs.outgoing, ...this.extraLegs];
  }

  /** Caller and called number learnt late (e.g. SIPREC metadata in a re-INVITE). */
  setParties(callerId: string, calledNumber: string): void {
    this.callerId = callerId;
    this.calledNumber = calledNumber;
  }

  /** The open pause, if recording is paused now. */
  currentPause(): PauseInterval | null {
    const last = this.pauses[this.pauses.length - 1];
    return last !== undefined && last.endEpochMs === null ? last : null;
  }

  /** Drop (or stop dropping) every datagram on arrival, on every leg. */
  setReceiving(receiving: boolean): void {
    for (const leg of this.allLegs()) leg.receiver.paused = !receiving;
  }

  /**
   * End the call once: `finalize` runs on the first call only; every caller
   * gets the same finished metadata.
   */
  hangup(finalize: (session: Session) => Promise<SessionInfo>): Promise<SessionInfo> {
    if (this.#finalized === null) {
      this.state = 'ending';
      this.#finalized = finalize(this).finally(() => {
        this.state = 'ended';
      });
    }
    return this.#finalized;
  }

  /** performance.now() of the newest packet on any leg, or of the start (or of media resuming). */
  lastActivityMs(): number {
    let last = this.activitySinceMs;
    for (const leg of this.allLegs()) if (leg.receiver.lastPacketAt > last) last = leg.receiver.lastPacketAt;
    return last;
  }

  /** Counters of a leg by name (`incoming`, `outgoing`, `extra_<label>`). */
  legStats(name: string): LegStats {
    const leg = this.allLegs().find((l) => l.name === name);
    if (leg === undefined) throw new RangeError(`no leg "${name}" in session ${this.id}`);
    const { receiver: r, counters: c } = leg;
    return {
      packets: r.packets,
      bytes: r.bytes,
      recorded: c[LegCounter.RECORDED],
      // The worker sees the sequence numbers dropped while paused as a gap: they were not lost.
      lost: Math.max(0, c[LegCounter.LOST] - r.droppedPaused),
      duplicates: c[LegCounter.DUPLICATE],
      late: c[LegCounter.LATE],
      dropped: {
        ring_full: r.droppedRingFull,
        wrong_source: r.droppedWrongSource,
        malformed: r.droppedMalformed + c[LegCounter.MALFORMED],
        unknown_payload_type: c[LegCounter.UNKNOWN_PAYLOAD_TYPE],
        before_start: c[LegCounter.BEFORE_START],
        paused: r.droppedPaused,
        too_late: c[LegCounter.TOO_LATE],
        rtcp: r.droppedRtcp,
        kernel: r.droppedKernel,
      },
      relatched: r.relatched,
      telephone_events: c[LegCounter.TELEPHONE_EVENT],
      comfort_noise: c[LegCounter.COMFORT_NOISE],
      reanchored: c[LegCounter.REANCHORED],
      ssrc_changes: c[LegCounter.SSRC_CHANGES],
      write_errors: c[LegCounter.WRITE_ERRORS],
    } as LegStats;
  }

  /** The session as GET /api/sessions shows it. */
  toJSON(): Record<string, unknown> {
    return {
      session_id: this.id,
      caller_id: this.callerId,
      called_number: this.calledNumber,
      start_time: this.startIso,
      state: this.state,
      paused: this.currentPause()?.behavior ?? null,
      discarded: this.discarded,
      source: this.source,
      rtp: Object.fromEntries(this.allLegs().map((l) => [l.name, { host: this.announceHost, port: l.receiver.port }])),
      legs: Object.fromEntries(this.allLegs().map((l) => [l.name, this.legStats(l.name)])),
    };
  }
}
