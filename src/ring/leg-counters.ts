/**
 * Per-leg counters the worker keeps in one SharedArrayBuffer, so the main
 * thread can read live numbers (GET /api/sessions, /metrics) without asking.
 * Slot s owns words [s * LEG_COUNTER_WORDS, (s + 1) * LEG_COUNTER_WORDS).
 * Only the worker draining that leg's ring writes them (reset on OPEN); the
 * main thread only reads, so a value may be a moment old, never torn.
 */
export const LegCounter = {
  /** Audio packets placed on the timeline. */
  RECORDED: 0,
  /** Not RTP v2, or lengths that do not add up. */
  MALFORMED: 1,
  /** A payload type callrec does not decode. */
  UNKNOWN_PAYLOAD_TYPE: 2,
  /** RFC 4733 telephone-event: counted, not audio. */
  TELEPHONE_EVENT: 3,
  /** PT 13: silence. */
  COMFORT_NOISE: 4,
  /** Same sequence number seen again. */
  DUPLICATE: 5,
  /** Arrived after a later sequence number (reordered); still placed. */
  LATE: 6,
  /** Sequence numbers never seen (per SSRC, summed). */
  LOST: 7,
  /** Timestamp disagreed with the arrival clock by > 1 s: re-anchored. */
  REANCHORED: 8,
  /** SSRC changed mid-leg: re-anchored. */
  SSRC_CHANGES: 9,
  /** Failed file writes (e.g. ENOSPC). */
  WRITE_ERRORS: 10,
  /** Samples on the timeline up to the last audio written. */
  SAMPLES: 11,
  /** Would have landed before the start of the session. */
  BEFORE_START: 12,
  /** Reordered so far (over 3 s) that it was dropped. */
  TOO_LATE: 13,
} as const;
export type LegCounter = (typeof LegCounter)[keyof typeof LegCounter];

export const LEG_COUNTER_WORDS = 16;

export function createLegCounters(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * LEG_COUNTER_WORDS * 4);
}

/** The counters of one slot, as a view (make it once per leg, not per read). */
export function legCounterView(sab: SharedArrayBuffer, slot: number): Uint32Array {
  return new Uint32Array(sab, slot * LEG_COUNTER_WORDS * 4, LEG_COUNTER_WORDS);
}
