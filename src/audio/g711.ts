/**
 * G.711 → 16-bit linear PCM by table. The 256-entry tables are built once
 * from alawmulaw (the reference implementation we depend on), so decoding a
 * payload is one indexed read per sample.
 */
import alawmulaw from 'alawmulaw';

function buildTable(decodeSample: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decodeSample(code);
  return table;
}

export const MULAW_TO_PCM: Int16Array = buildTable(alawmulaw.mulaw.decodeSample);
export const ALAW_TO_PCM: Int16Array = buildTable(alawmulaw.alaw.decodeSample);

/**
 * Decode `length` G.711 bytes from `src[srcOffset…]` into `dst[dstOffset…]`
 * using `table` (MULAW_TO_PCM or ALAW_TO_PCM).
 */
export function decodeG711(
  table: Int16Array,
  src: Uint8Array,
  srcOffset: number,
  length: number,
  dst: Int16Array,
  dstOffset: number,
): void {
  for (let i = 0; i < length; i++) dst[dstOffset + i] = table[src[srcOffset + i]];
}
