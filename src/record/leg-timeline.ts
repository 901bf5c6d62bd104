/**
 * Where a leg's RTP packets go on the session's timeline (SPEC §3). Pure.
 *
 * The first packet is placed at its arrival time (samples since the session
 * started); later ones at that anchor plus their RTP timestamp distance, so
 * loss leaves silence and reordering lands in place. A new SSRC, or a
 * timestamp that disagrees with the arrival clock by more than 1 s, anchors
 * the leg again at the arrival time. Hence no packet is ever placed more
 * than 1 s after the moment it arrived: a forged timestamp cannot grow a file.
 */
import { sequenceDelta, timestampDelta } from '../rtp/index.js';

/** Largest disagreement between RTP clock and arrival clock we accept (1 s). */
export const MAX_CLOCK_DISAGREEMENT_SAMPLES = 8000;
/**
 * How far behind the arrival clock a reordered (late) packet may still land:
 * it was delayed in the network, so it lags by its delay on top of any jitter.
 * A late packet never re-anchors the leg; past this it is dropped.
 */
export const MAX_LATE_SAMPLES = 3 * 8000;
/** RFC 3550 §A.1: a jump ahead past this, or back past MAX_MISORDER, is a restart. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Sequence numbers remembered for duplicate detection. */
const SEQ_WINDOW = 1024;

export const Placement = {
  /** Place the audio at `position`. */
  PLACE: 0,
  /** Already seen: ignore. */
  DUPLICATE: 1,
  /** Reordered, and too far from the arrival clock to trust: drop. */
  TOO_LATE: 2,
} as const;

export class LegTimeline {
  /** Sample position of the last placement (valid after place()). */
  position = 0;
  anchored = false;
  reanchored = 0;
  ssrcChanges = 0;
  duplicates = 0;
  late = 0;
  tooLate = 0;
  #ssrc = 0;
  #anchorTimestamp = 0;
  #anchorPosition = 0;
  // Sequence accounting, per SSRC; lost from earlier SSRCs kept in #lostBefore.
  #firstSeq = 0;
  #highestSeq = 0;
  #received = 0;
  #lostBefore = 0;
  readonly #seen = new Int32Array(SEQ_WINDOW).fill(-1);

  /**
   * Decide where a packet goes; sets `position`. Returns Placement.DUPLICATE
   * for a sequence number already placed.
   */
  place(ssrc: number, sequenceNumber: number, timestamp: number, arrival: number): number {
    if (!this.anchored || ssrc !== this.#ssrc) {
      if (this.anchored) this.ssrcChanges++;
      this.#startSource(ssrc, sequenceNumber);
      this.#anchor(timestamp, arrival);
      return Placement.PLACE;
    }
    const seqJump = sequenceDelta(sequenceNumber, this.#highestSeq & 0xffff);
    if (seqJump > MAX_DROPOUT || seqJump < -MAX_MISORDER) {
      const position = this.#anchorPosition + timestampDelta(timestamp, this.#anchorTimestamp);
      const disagreement = position - arrival;
      const plausiblyLate = seqJump < 0 && disagreement <= MAX_CLOCK_DISAGREEMENT_SAMPLES && disagreement >= -MAX_LATE_SAMPLES;
      if (!plausiblyLate) {
        // The sender restarted its sequence (RFC 3550 §A.1): start counting again;
        // re-anchor too unless its timestamp still agrees with the arrival clock.
        this.#startSource(ssrc, sequenceNumber);
        if (Math.abs(disagreement) > MAX_CLOCK_DISAGREEMENT_SAMPLES) {
          this.reanchored++;
          this.#anchor(timestamp, arrival);
        } else {
          this.position = position;
        }
        return Placement.PLACE;
      }
    }
    const seq = this.#highestSeq + seqJump;
    const key = seq & (SEQ_WINDOW - 1);
    if (this.#seen[key] === seq) {
      this.duplicates++;
      return Placement.DUPLICATE;
    }
    this.#seen[key] = seq;
    this.#received++;
    const position = this.#anchorPosition + timestampDelta(timestamp, this.#anchorTimestamp);
    const disagreement = position - arrival;
    if (seq < this.#highestSeq) {
      // Reordered: lands where its timestamp says, but never moves the anchor.
      this.late++;
      if (disagreement > MAX_CLOCK_DISAGREEMENT_SAMPLES || disagreement < -MAX_LATE_SAMPLES) {
        this.tooLate++;
        return Placement.TOO_LATE;
      }
      this.position = position;
      return Placement.PLACE;
    }
    this.#highestSeq = seq;
    if (disagreement > MAX_CLOCK_DISAGREEMENT_SAMPLES || disagreement < -MAX_CLOCK_DISAGREEMENT_SAMPLES) {
      this.reanchored++;
      this.#anchor(timestamp, arrival);
    } else {
      this.position = position;
    }
    return Placement.PLACE;
  }

  /** Move the timeline back by `samples` (a span left out of the files). */
  shift(samples: number): void {
    this.#anchorPosition -= samples;
  }

  /** Packets expected from the sequence numbers seen but never received. */
  lost(): number {
    if (!this.anchored) return this.#lostBefore;
    const expected = this.#highestSeq - this.#firstSeq + 1;
    return this.#lostBefore + Math.max(0, expected - this.#received);
  }

  #anchor(timestamp: number, arrival: number): void {
    this.anchored = true;
    this.#anchorTimestamp = timestamp;
    this.#anchorPosition = arrival;
    this.position = arrival;
  }

  #startSource(ssrc: number, sequenceNumber: number): void {
    this.#lostBefore = this.lost();
    this.#ssrc = ssrc;
    // Extended sequence numbers start at 65536 so early reordering stays positive.
    this.#firstSeq = 0x10000 + sequenceNumber;
    this.#highestSeq = this.#firstSeq;
    this.#received = 1;
    this.#seen.fill(-1);
    this.#seen[this.#firstSeq & (SEQ_WINDOW - 1)] = this.#firstSeq;
  }
}
