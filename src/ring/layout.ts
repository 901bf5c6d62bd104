/**
 * Layout of a callrec packet ring: one SharedArrayBuffer, single producer
 * (the main thread) and single consumer (one worker's drain loop).
 *
 *   bytes [0, 64)      producer's line: WRITE (word 0), HIGH_WATER (word 1)
 *   bytes [64, 128)    consumer's line: READ (word 16), WAKE (word 17)
 *   bytes [128, …)     data: `capacity` bytes, capacity a power of two
 *
 * WRITE and READ are free-running 32-bit byte counters (wrapping), so
 * `used = (WRITE - READ) >>> 0` and `position = counter & (capacity - 1)`.
 * Only the producer stores WRITE and HIGH_WATER; only the consumer stores READ.
 * WAKE is a futex word the producer may notify so the consumer wakes early
 * (it is notified for control records only, never per packet).
 *
 * Each record is a 12-byte header then its payload, padded to 4 bytes; a
 * record never wraps. When a record does not fit before the end of the data
 * area, the producer writes a PAD header there and starts again at 0.
 *
 *   word 0: type << 24 | payload length (bytes)
 *   word 1: leg slot
 *   word 2: arrival time in samples (8 kHz) since the session started
 */

export const RING_WORD_WRITE = 0;
export const RING_WORD_HIGH_WATER = 1;
export const RING_WORD_READ = 16;
export const RING_WORD_WAKE = 17;
export const RING_DATA_OFFSET = 128;

export const RECORD_HEADER_BYTES = 12;
export const RECORD_TYPE_SHIFT = 24;
export const RECORD_LENGTH_MASK = 0x00ffffff;

/** Record types. */
export const RecordType = {
  /** Skip to the start of the data area. */
  PAD: 0,
  /** An RTP datagram as received. */
  PACKET: 1,
  /** Open a leg: payload is UTF-8 JSON LegOpenRequest. */
  OPEN: 2,
  /** Close a leg: flush, final header, close the file, report. */
  CLOSE: 3,
  /** End the drain loop after everything before it. */
  STOP: 4,
  /**
   * Move a leg's timeline back by `arrival` samples (a paused span left out
   * of the files): later packets land where the pause began.
   */
  SHIFT: 5,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/**
 * Bytes kept free for control records: packets are refused when accepting one
 * would leave less than this, so OPEN/CLOSE/STOP get through a ring that
 * packets have filled. A ring smaller than 64 KiB keeps a quarter of itself.
 */
export const CONTROL_RESERVE_BYTES = 16 * 1024;

/** Largest datagram accepted into a ring (G.711 at 60 ms is 480 bytes + header). */
export const MAX_PACKET_BYTES = 2048;

/** The reserve a ring of `capacity` bytes keeps for control records. */
export function controlReserveBytes(capacity: number): number {
  return Math.min(CONTROL_RESERVE_BYTES, capacity >> 2);
}

export function recordBytes(payloadLength: number): number {
  return RECORD_HEADER_BYTES + ((payloadLength + 3) & ~3);
}

/** A ring's shared memory, to be created once and handed to the consumer once. */
export function createRingBuffer(capacity: number): SharedArrayBuffer {
  if (!Number.isInteger(capacity) || capacity < 4096 || (capacity & (capacity - 1)) !== 0) {
    throw new TypeError(`ring capacity must be a power of two >= 4096, got ${capacity}`);
  }
  return new SharedArrayBuffer(RING_DATA_OFFSET + capacity);
}

export function ringCapacity(sab: SharedArrayBuffer): number {
  return sab.byteLength - RING_DATA_OFFSET;
}
