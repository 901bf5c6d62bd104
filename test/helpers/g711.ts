/**
 * Recognisable G.711 audio per leg, and its reference decoding. The bytes
 * come from a seeded PRNG; decoding uses `alawmulaw` directly, never
 * callrec's tables, so a wrong table in callrec cannot agree with itself.
 */
import * as alawmulawModule from 'alawmulaw';
import { createPrng } from './prng.js';

export type Codec = 'PCMU' | 'PCMA';

/**
 * uvu loads tests through tsx's require hook (CommonJS), where this UMD
 * package's namespace is its exports; under ESM it sits on `default`.
 */
type Alawmulaw = typeof alawmulawModule;
const alawmulaw: Alawmulaw =
  (alawmulawModule as unknown as { mulaw?: unknown }).mulaw !== undefined
    ? alawmulawModule
    : (alawmulawModule as unknown as { default: Alawmulaw }).default;

export const PAYLOAD_TYPES: Record<Codec, number> = { PCMU: 0, PCMA: 8 };

/**
 * `count` G.711 codes from `seed`. Codes that decode to 0 (µ-law 0x7F and
 * 0xFF) are skipped, so recorded audio never looks like silence and silence
 * never looks like audio. (No A-law code decodes to 0.)
 */
export function makeG711Codes(seed: number, codec: Codec, count: number): Uint8Array {
  const next = createPrng(seed);
  const codes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let code: number;
    do code = next() & 0xff;
    while (codec === 'PCMU' && (code & 0x7f) === 0x7f);
    codes[i] = code;
  }
  return codes;
}

export function decodeG711Reference(codec: Codec, codes: Uint8Array): Int16Array {
  return codec === 'PCMU' ? alawmulaw.mulaw.decode(codes) : alawmulaw.alaw.decode(codes);
}
