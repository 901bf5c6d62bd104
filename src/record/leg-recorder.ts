/**
 * One leg, worker side: RTP in, 16-bit PCM out on the session's timeline.
 *
 * Audio is decoded into a window (WINDOW_SAMPLES of the timeline starting at
 * #windowStart) and written with one positional write per flush, not one per
 * packet. Gaps in the window stay zero (silence). A reordered packet that
 * lands before the window (already flushed) is written straight to its place.
 * The drain loop calls tick() so that data is flushed about every second and
 * the header refreshed every couple of seconds: a crash loses ~1 s at most
 * and leaves a playable file.
 */
import { ALAW_TO_PCM, MULAW_TO_PCM, decodeG711 } from '../audio/index.js';
import { PayloadType, RtpParseResult, createRtpHeader, parseRtpHeader } from '../rtp/index.js';
import type { RtpHeader } from '../rtp/index.js';
import { LegCounter } from '../ring/leg-counters.js';
import { LegFile } from './leg-file.js';
import { LegTimeline, Placement } from './leg-timeline.js';

const WINDOW_SAMPLES = 16000; // 2 s
const FLUSH_INTERVAL_MS = 1000;
const HEADER_INTERVAL_MS = 2000;
/** Largest payload (samples) one packet may carry; bounded by the ring's MAX_PACKET_BYTES too. */
const MAX_PACKET_SAMPLES = 4096;

/** One header object per thread: parsing allocates nothing. */
const header: RtpHeader = createRtpHeader();
/** Scratch for packets written outside the window. */
const scratch = new Int16Array(MAX_PACKET_SAMPLES);
const scratchBytes = new Uint8Array(scratch.buffer);
/**
 * Windows of closed legs (all zeros), kept for the next legs on this thread.
 * Calls come and go by the thousand; a new 32 KB window per leg was freed only
 * when V8 next collected this thread's small heap, and meanwhile glibc's arena
 * grew, so RSS rose under churn. At most MAX_SPARE_WINDOWS are kept (16 MB):
 * enough for churn, where legs close and open all the time, without holding
 * a past peak's windows for ever.
 */
const spareWindows: Int16Array[] = [];
const MAX_SPARE_WINDOWS = 512;

export interface LegOpenRequest {
  path: string;
  /** Dynamic payload type of telephone-event on this leg, or -1. */
  telephoneEventPt: number;
}

export interface LegCloseReport {
  /** Length of the file's audio data in samples (padded to the end of the call). */
  samples: number;
  /** Whether any audio packet was recorded. */
  hasAudio: boolean;
  dataBytes: number;
  error: string | null;
  writeErrors: number;
}

export class LegRecorder {
  readonly slot: number;
  readonly #file: LegFile;
  readonly #counters: Uint32Array;
  readonly #telephoneEventPt: number;
  readonly #timeline = new LegTimeline();
  readonly #window = spareWindows.pop() ?? new Int16Array(WINDOW_SAMPLES);
  readonly #windowBytes = new Uint8Array(this.#window.buffer);
  #windowStart = 0;
  /** End (exclusive) of audio placed in the window. */
  #windowEnd = 0;
  /** End (exclusive) of all audio on the timeline. */
  #end = 0;
  /** End (exclusive) of the audio already in the file: what a refreshed header may state. */
  #flushedEnd = 0;
  #lastFlushMs = 0;
  #lastHeaderMs = 0;
  /** After close() the window may belong to another leg: packets are ignored (a closed window is empty, so tick() has nothing to write). */
  #closed = false;

  constructor(slot: number, request: LegOpenRequest, counters: Uint32Array, onFirstError: (code: string) => void, nowMs: number) {
    this.slot = slot;
    this.#counters = counters;
    counters.fill(0);
    this.#telephoneEventPt = request.telephoneEventPt;
    this.#file = new LegFile(request.path, onFirstError);
    this.#lastFlushMs = nowMs;
    this.#lastHeaderMs = nowMs;
  }

  onPacket(arrival: number, data: Uint8Array, offset: number, length: number): void {
    if (this.#closed) return;
    const counters = this.#counters;
    if (parseRtpHeader(data, offset, length, header) !== RtpParseResult.OK) {
      counters[LegCounter.MALFORMED]++;
      return;
    }
    const pt = header.payloadType;
    let table: Int16Array;
    if (pt === PayloadType.PCMU) table = MULAW_TO_PCM;
    else if (pt === PayloadType.PCMA) table = ALAW_TO_PCM;
    else {
      if (pt === PayloadType.CN) counters[LegCounter.COMFORT_NOISE]++;
      else if (pt === this.#telephoneEventPt) counters[LegCounter.TELEPHONE_EVENT]++;
      else counters[LegCounter.UNKNOWN_PAYLOAD_TYPE]++;
      return;
    }
    const samples = header.payloadLength;
    if (samples === 0 || samples > MAX_PACKET_SAMPLES) {
      counters[LegCounter.MALFORMED]++;
      return;
    }
    const timeline = this.#timeline;
    const placement = timeline.place(header.ssrc, header.sequenceNumber, header.timestamp, arrival);
    if (placement !== Placement.PLACE) {
      counters[LegCounter.DUPLICATE] = timeline.duplicates;
      counters[LegCounter.LATE] = timeline.late;
      counters[LegCounter.TOO_LATE] = timeline.tooLate;
      return;
    }
    if (timeline.position < 0) {
      counters[LegCounter.BEFORE_START]++;
      return;
    }
    this.#put(timeline.position, table, data, header.payloadOffset, samples);
    counters[LegCounter.RECORDED]++;
    counters[LegCounter.LATE] = timeline.late;
    counters[LegCounter.LOST] = timeline.lost();
    counters[LegCounter.REANCHORED] = timeline.reanchored;
    counters[LegCounter.SSRC_CHANGES] = timeline.ssrcChanges;
    counters[LegCounter.SAMPLES] = this.#end;
  }

  /** Leave `samples` of the timeline out: later audio lands that much earlier. */
  shift(samples: number): void {
    this.#timeline.shift(samples);
  }

  /** Periodic work: flush about every second, refresh the header every few. */
  tick(nowMs: number): void {
    if (nowMs - this.#lastFlushMs >= FLUSH_INTERVAL_MS) {
      this.#lastFlushMs = nowMs;
      this.#flushWindow();
    }
    if (nowMs - this.#lastHeaderMs >= HEADER_INTERVAL_MS) {
      this.#lastHeaderMs = nowMs;
      // Never state more than the file holds: a crash right after must leave a valid header.
      if (this.#file.headerDataBytes !== this.#flushedEnd * 2) this.#file.writeHeader(this.#flushedEnd * 2);
      this.#counters[LegCounter.WRITE_ERRORS] = this.#file.writeErrors;
    }
  }

  /**
   * Write what is pending, pad the leg with silence to `endSamples` (the end
   * of the call on the session's timeline, so every leg is as long as the
   * call), write the final header, close.
   */
  close(endSamples: number): LegCloseReport {
    this.#flushWindow();
    const hasAudio = this.#counters[LegCounter.RECORDED] > 0;
    if (endSamples > this.#end) {
      this.#file.extend(endSamples * 2);
      this.#end = endSamples;
    }
    this.#file.close(this.#end * 2);
    this.#closed = true;
    if (spareWindows.length < MAX_SPARE_WINDOWS) {
      this.#window.fill(0);
      spareWindows.push(this.#window);
    }
    this.#counters[LegCounter.WRITE_ERRORS] = this.#file.writeErrors;
    this.#counters[LegCounter.SAMPLES] = this.#end;
    return { samples: this.#end, hasAudio, dataBytes: this.#end * 2, error: this.#file.error, writeErrors: this.#file.writeErrors };
  }

  #put(position: number, table: Int16Array, data: Uint8Array, offset: number, samples: number): void {
    const end = position + samples;
    if (end > this.#end) this.#end = end;
    if (end > this.#windowStart + WINDOW_SAMPLES) {
      this.#flushWindow();
      // Still beyond: jump ahead (samples < WINDOW_SAMPLES, so position is past the old window).
      if (end > this.#windowStart + WINDOW_SAMPLES) {
        this.#windowStart = position;
        this.#windowEnd = position;
      }
    }
    if (position < this.#windowStart) {
      // Before the window (already flushed): write that part straight to its place.
      const before = Math.min(end, this.#windowStart) - position;
      decodeG711(table, data, offset, before, scratch, 0);
      if (this.#file.writeData(scratchBytes, before * 2, position * 2) && position + before > this.#flushedEnd) {
        this.#flushedEnd = position + before;
      }
      if (before === samples) return;
      position += before;
      offset += before;
      samples -= before;
    }
    decodeG711(table, data, offset, samples, this.#window, position - this.#windowStart);
    if (end > this.#windowEnd) this.#windowEnd = end;
  }

  /** Write the window's audio and start a new, empty window where it ended. */
  #flushWindow(): void {
    const length = this.#windowEnd - this.#windowStart;
    if (length <= 0) return;
    if (this.#file.writeData(this.#windowBytes, length * 2, this.#windowStart * 2) && this.#windowEnd > this.#flushedEnd) {
      this.#flushedEnd = this.#windowEnd;
    }
    this.#window.fill(0, 0, length);
    this.#windowStart = this.#windowEnd;
  }
}
