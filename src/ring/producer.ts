/**
 * Producer side of the packet ring (see layout.ts). Owned by the main thread.
 * Never blocks: a push that does not fit returns false and the caller counts
 * the drop. Allocates nothing per push. The native receiver
 * (native/rtp_receiver.c) pushes packets into the same ring from the same
 * thread, so WRITE and HIGH_WATER are read back from the ring, never cached.
 */
import {
  controlReserveBytes,
  RECORD_HEADER_BYTES,
  RECORD_TYPE_SHIFT,
  RING_DATA_OFFSET,
  RING_WORD_HIGH_WATER,
  RING_WORD_READ,
  RING_WORD_WAKE,
  RING_WORD_WRITE,
  RecordType,
  recordBytes,
  ringCapacity,
} from './layout.js';

export class RingProducer {
  readonly capacity: number;
  /** The ring's shared memory (the native receiver writes into it too). */
  readonly buffer: SharedArrayBuffer;
  readonly #ctrl: Int32Array;
  readonly #u8: Uint8Array;
  readonly #u32: Uint32Array;
  readonly #mask: number;
  /** Free bytes packets must leave for control records. */
  readonly #reserve: number;

  constructor(sab: SharedArrayBuffer) {
    this.capacity = ringCapacity(sab);
    this.buffer = sab;
    this.#ctrl = new Int32Array(sab, 0, RING_DATA_OFFSET / 4);
    this.#u8 = new Uint8Array(sab, RING_DATA_OFFSET);
    this.#u32 = new Uint32Array(sab, RING_DATA_OFFSET);
    this.#mask = this.capacity - 1;
    this.#reserve = controlReserveBytes(this.capacity);
  }

  /** Bytes currently queued (consumer not yet done with them). */
  used(): number {
    return ((Atomics.load(this.#ctrl, RING_WORD_WRITE) >>> 0) - (Atomics.load(this.#ctrl, RING_WORD_READ) >>> 0)) >>> 0;
  }

  /** The most bytes ever queued at once. */
  highWater(): number {
    return Atomics.load(this.#ctrl, RING_WORD_HIGH_WATER) >>> 0;
  }

  /** Queue one RTP datagram for `slot`. False (nothing written) when full. */
  pushPacket(slot: number, arrivalSamples: number, packet: Uint8Array): boolean {
    return this.#push(RecordType.PACKET, slot, arrivalSamples, packet, packet.length, this.#reserve);
  }

  /**
   * Queue a control record; may use the reserve that packets leave free.
   * `arrivalSamples` carries the session time for CLOSE (end of the call).
   */
  pushControl(type: RecordType, slot: number, payload: Uint8Array | null, arrivalSamples = 0): boolean {
    const ok = this.#push(type, slot, arrivalSamples, payload, payload === null ? 0 : payload.length, 0);
    if (ok) Atomics.notify(this.#ctrl, RING_WORD_WAKE);
    return ok;
  }

  #push(type: RecordType, slot: number, arrival: number, src: Uint8Array | null, length: number, reserve: number): boolean {
    const size = recordBytes(length);
    const read = Atomics.load(this.#ctrl, RING_WORD_READ) >>> 0;
    let write = Atomics.load(this.#ctrl, RING_WORD_WRITE) >>> 0;
    let pos = write & this.#mask;
    const tail = this.capacity - pos;
    const skip = tail < size ? tail : 0;
    const used = (write - read) >>> 0;
    if (this.capacity - used < size + skip + reserve) return false;

    if (skip !== 0) {
      this.#u32[pos >> 2] = RecordType.PAD << RECORD_TYPE_SHIFT;
      write = (write + skip) >>> 0;
      pos = 0;
    }
    const w = pos >> 2;
    this.#u32[w] = (type << RECORD_TYPE_SHIFT) | length;
    this.#u32[w + 1] = slot;
    this.#u32[w + 2] = arrival;
    if (src !== null && length !== 0) this.#u8.set(src, pos + RECORD_HEADER_BYTES);
    write = (write + size) >>> 0;
    // Publish: the store makes the record's bytes visible before WRITE moves.
    Atomics.store(this.#ctrl, RING_WORD_WRITE, write | 0);

    const nowUsed = used + size + skip;
    if (nowUsed > (Atomics.load(this.#ctrl, RING_WORD_HIGH_WATER) >>> 0)) {
      Atomics.store(this.#ctrl, RING_WORD_HIGH_WATER, nowUsed);
    }
    return true;
  }
}
