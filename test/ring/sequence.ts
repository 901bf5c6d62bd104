/**
 * A seeded record sequence for ring tests (after ringbuf.js tests/test-utils.mjs):
 * producer and verifier each build one from the same seed and step it in
 * lockstep, so the verifier knows exactly which record must come next,
 * byte for byte, without anything being shared but the ring.
 */
import { createPrng } from '../helpers/prng.js';

/** Record types as in src/ring/layout.ts (kept literal: the sequence must not depend on src). */
export const T_PACKET = 1;
export const T_OPEN = 2;
export const T_CLOSE = 3;

export const MAX_PAYLOAD = 2048;

export interface SeqRecord {
  type: number;
  slot: number;
  arrival: number;
  length: number;
}

export interface Sequence {
  /** The next record; its payload is written into `payload[0, length)`. */
  next(payload: Uint8Array): SeqRecord;
}

/**
 * Mostly packets with G.711-like sizes (0 to 480 bytes, some up to 2048),
 * now and then a control record (OPEN with a payload, CLOSE without).
 * `index` is stamped into the first 4 payload bytes when there is room, so a
 * mismatch report can say which record went wrong.
 */
export function createSequence(seed: number): Sequence {
  const rnd = createPrng(seed);
  let index = 0;
  return {
    next(payload: Uint8Array): SeqRecord {
      const r = rnd();
      let type = T_PACKET;
      if (r % 97 === 0) type = T_OPEN;
      else if (r % 89 === 0) type = T_CLOSE;
      const roll = rnd() % 100;
      let length: number;
      if (type === T_CLOSE) length = 0;
      else if (roll < 2) length = 0;
      else if (roll < 90) length = rnd() % 481;
      else length = rnd() % (MAX_PAYLOAD + 1);
      const slot = rnd() % 1024;
      const arrival = type === T_PACKET ? rnd() : 0;
      let i = 0;
      for (; i + 4 <= length; i += 4) {
        const v = i === 0 ? index : rnd();
        payload[i] = v & 0xff;
        payload[i + 1] = (v >>> 8) & 0xff;
        payload[i + 2] = (v >>> 16) & 0xff;
        payload[i + 3] = v >>> 24;
      }
      for (; i < length; i++) payload[i] = rnd() & 0xff;
      index++;
      return { type, slot, arrival, length };
    },
  };
}

/** FNV-1a, folded over record headers and payloads: same seed ⇒ same checksum. */
export function fold(hash: number, rec: SeqRecord, payload: Uint8Array, offset: number): number {
  let h = hash;
  h = Math.imul(h ^ rec.type, 0x01000193);
  h = Math.imul(h ^ rec.slot, 0x01000193);
  h = Math.imul(h ^ rec.arrival, 0x01000193);
  h = Math.imul(h ^ rec.length, 0x01000193);
  for (let i = 0; i < rec.length; i++) h = Math.imul(h ^ payload[offset + i], 0x01000193);
  return h >>> 0;
}

export const FNV_OFFSET = 0x811c9dc5;
