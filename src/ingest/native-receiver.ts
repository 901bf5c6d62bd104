/**
 * `--rtp-io native`: a leg's socket owned by the addon in native/ (epoll +
 * recvmmsg into the ring, no JavaScript per packet; see rtp_receiver.c).
 * This class is the RtpReceiver face of one leg: it reads the counters the C
 * side writes into the leg's words, and writes the two inputs (paused,
 * time origin). The addon is loaded once, by loadNativeReceiver().
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import {
  CONTROL_RESERVE_BYTES,
  MAX_PACKET_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_TYPE_SHIFT,
  RING_DATA_OFFSET,
  RING_WORD_HIGH_WATER,
  RING_WORD_READ,
  RING_WORD_WRITE,
  RecordType,
} from '../ring/layout.js';
import type { RingProducer } from '../ring/index.js';
import { RTP_FIXED_HEADER_BYTES } from '../rtp/index.js';
import { NativeLegWord as W } from './native-words.js';
import { MIN_RTCP_BYTES, RELATCH_RUN, RELATCH_SILENCE_MS } from './receiver.js';
import type { RtpReceiver } from './receiver.js';

interface Addon {
  init(constants: Record<string, number>, perfNowMs: number): void;
  open(ring: Uint8Array, words: Float64Array, slot: number, port: number, host: string): number;
  start(id: number): void;
  close(id: number): void;
  stats(): NativeReceiveStats;
}

/** How the native path batches: epoll wake-ups, recvmmsg calls and datagrams read, since start. */
export interface NativeReceiveStats {
  wakeups: number;
  recv_calls: number;
  datagrams: number;
}

/** The native receiver's batching counters, or null when it is not in use. */
export function nativeReceiveStats(): NativeReceiveStats | null {
  return addon === null ? null : addon.stats();
}

/** Where node-gyp puts the addon (relative to this file in src/ and in dist/src/). */
const ADDON_PATHS = ['../../build/Release/rtp_receiver.node', '../../../build/Release/rtp_receiver.node'];

let addon: Addon | null = null;

/**
 * After draining the ready sockets, ignore readiness this long (ms), so that
 * each socket holds more datagrams at the next read and one recvmmsg returns
 * several: at one leg per socket (50 packets/s) every read otherwise returns
 * one datagram and pays the whole system call for it. Arrival stamps are the
 * kernel's (SO_TIMESTAMPNS) and pauses are judged by arrival, so this delays
 * reading, never placement. 0 reads on every readiness. Only under load
 * (PACE_ABOVE_PPS): below it every readiness is read at once.
 */
export const DRAIN_PAUSE_MS = 100;
/** Pacing starts when the last second read more datagrams than this (200 calls' worth). */
export const PACE_ABOVE_PPS = 20_000;

/**
 * Load and initialise the addon once; returns null when it loaded, else why
 * not (not built, not Linux, init failed).
 */
export function loadNativeReceiver(): string | null {
  if (addon !== null) return null;
  const require = createRequire(import.meta.url);
  let lastError = 'not built (npm ci builds it with node-gyp; it needs build-essential)';
  for (const p of ADDON_PATHS) {
    let loaded: Addon;
    try {
      loaded = require(p) as Addon;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') lastError = (err as Error).message;
      continue;
    }
    try {
      loaded.init({
        RING_DATA_OFFSET, RING_WORD_WRITE, RING_WORD_HIGH_WATER, RING_WORD_READ, RECORD_HEADER_BYTES, RECORD_TYPE_SHIFT,
        RECORD_TYPE_PAD: RecordType.PAD, RECORD_TYPE_PACKET: RecordType.PACKET, CONTROL_RESERVE_BYTES, MAX_PACKET_BYTES,
        MIN_RTP_BYTES: RTP_FIXED_HEADER_BYTES, MIN_RTCP_BYTES, RELATCH_RUN, RELATCH_SILENCE_MS, DRAIN_PAUSE_MS, PACE_ABOVE_PPS, ...W,
      }, performance.now());
    } catch (err) {
      return `init failed: ${(err as Error).message}`;
    }
    addon = loaded;
    return null;
  }
  return lastError;
}

export class NativeLegReceiver implements RtpReceiver {
  readonly slot: number;
  readonly port: number;
  readonly #words = new Float64Array(W.LEG_WORDS);
  readonly #ring: Uint8Array;
  #id = -1;
  #closed = false;

  constructor(slot: number, port: number, producer: RingProducer, originMs: number) {
    if (addon === null) throw new Error('native receiver not loaded');
    this.slot = slot;
    this.port = port;
    this.#ring = new Uint8Array(producer.buffer);
    this.#words[W.LEG_ORIGIN_MS] = originMs;
    this.#words[W.LEG_PAUSED_AT_MS] = Infinity;
    this.#words[W.LEG_RESUMED_AT_MS] = Infinity;
  }

  get packets(): number { return this.#words[W.LEG_PACKETS]; }
  get bytes(): number { return this.#words[W.LEG_BYTES]; }
  get droppedRingFull(): number { return this.#words[W.LEG_RING_FULL]; }
  get droppedWrongSource(): number { return this.#words[W.LEG_WRONG_SOURCE]; }
  get droppedMalformed(): number { return this.#words[W.LEG_MALFORMED]; }
  get droppedPaused(): number { return this.#words[W.LEG_PAUSED_DROPS]; }
  get droppedRtcp(): number { return this.#words[W.LEG_RTCP]; }
  get droppedKernel(): number { return this.#words[W.LEG_KERNEL]; }
  get relatched(): number { return this.#words[W.LEG_RELATCHED]; }
  get lastPacketAt(): number { return this.#words[W.LEG_LAST_MS]; }
  get paused(): boolean { return this.#words[W.LEG_RESUMED_AT_MS] === Infinity && this.#words[W.LEG_PAUSED_AT_MS] !== Infinity; }
  set paused(value: boolean) {
    if (value === this.paused) return;
    const now = performance.now();
    if (value) {
      this.#words[W.LEG_PAUSED_AT_MS] = now;
      this.#words[W.LEG_RESUMED_AT_MS] = Infinity;
    } else {
      this.#words[W.LEG_RESUMED_AT_MS] = now;
    }
  }

  /** The latched source as "a.b.c.d", or null. */
  get sourceAddress(): string | null {
    const a = this.#words[W.LEG_SOURCE_ADDR];
    if (this.#words[W.LEG_SOURCE_PORT] === 0) return null;
    return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }

  get sourcePort(): number { return this.#words[W.LEG_SOURCE_PORT]; }

  bind(host: string): Promise<void> {
    try {
      this.#id = addon!.open(this.#ring, this.#words, this.slot, this.port, host);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  start(): void {
    if (this.#id >= 0 && !this.#closed) addon!.start(this.#id);
  }

  shiftOrigin(ms: number): void {
    this.#words[W.LEG_ORIGIN_MS] += ms;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#id >= 0) addon!.close(this.#id);
    }
    return Promise.resolve();
  }
}
