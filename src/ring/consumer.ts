/**
 * Consumer side of the packet ring (see layout.ts). Owned by one worker's
 * drain loop. Records are handed to the visitor by offset into the shared
 * byte view: zero-copy, nothing allocated per record. READ is published after
 * each batch, so the producer sees space freed in batches.
 */
import {
  RECORD_HEADER_BYTES,
  RECORD_LENGTH_MASK,
  RECORD_TYPE_SHIFT,
  RING_DATA_OFFSET,
  RING_WORD_READ,
  RING_WORD_WAKE,
  RING_WORD_WRITE,
  RecordType,
  recordBytes,
  ringCapacity,
} from './layout.js';

/**
 * Called once per record. `data` is the ring's data area; the record's payload
 * is `data[offset, offset + length)` and is valid only during the call.
 * Return false to stop the batch after this record (e.g. on STOP).
 */
export type RecordVisitor = (
  type: RecordType,
  slot: number,
  arrivalSamples: number,
  data: Uint8Array,
  offset: number,
  length: number,
) => boolean;

export class RingConsumer {
  readonly capacity: number;
  /** The data area; payload offsets given to visitors index into it. */
  readonly data: Uint8Array;
  readonly #ctrl: Int32Array;
  readonly #u32: Uint32Array;
  readonly #mask: number;
  #read = 0;

  constructor(sab: SharedArrayBuffer) {
    this.capacity = ringCapacity(sab);
    this.#ctrl = new Int32Array(sab, 0, RING_DATA_OFFSET / 4);
    this.data = new Uint8Array(sab, RING_DATA_OFFSET);
    this.#u32 = new Uint32Array(sab, RING_DATA_OFFSET);
    this.#mask = this.capacity - 1;
    this.#read = Atomics.load(this.#ctrl, RING_WORD_READ) >>> 0;
  }

  /** Visit up to `maxRecords` queued records; returns how many were visited. */
  drain(visit: RecordVisitor, maxRecords: number): number {
    const write = Atomics.load(this.#ctrl, RING_WORD_WRITE) >>> 0;
    let read = this.#read;
    let visited = 0;
    while (read !== write && visited < maxRecords) {
      const pos = read & this.#mask;
      const w = pos >> 2;
      const word0 = this.#u32[w];
      const type = (word0 >>> RECORD_TYPE_SHIFT) as RecordType;
      if (type === RecordType.PAD) {
        read = (read + (this.capacity - pos)) >>> 0;
        continue;
      }
      const length = word0 & RECORD_LENGTH_MASK;
      const keepGoing = visit(type, this.#u32[w + 1], this.#u32[w + 2], this.data, pos + RECORD_HEADER_BYTES, length);
      read = (read + recordBytes(length)) >>> 0;
      visited++;
      if (!keepGoing) break;
    }
    this.#read = read;
    Atomics.store(this.#ctrl, RING_WORD_READ, read | 0);
    return visited;
  }

  /** True when nothing is queued. */
  isEmpty(): boolean {
    return (Atomics.load(this.#ctrl, RING_WORD_WRITE) >>> 0) === this.#read;
  }

  /** Sleep up to `timeoutMs` or until the producer notifies (control records). */
  waitForWork(timeoutMs: number): void {
    Atomics.wait(this.#ctrl, RING_WORD_WAKE, 0, timeoutMs);
  }
}
