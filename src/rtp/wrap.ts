/**
 * Modular arithmetic for RTP's wrapping counters (RFC 3550 §A.1):
 * 16-bit sequence numbers and 32-bit timestamps. Pure functions.
 */

/** Signed distance from `from` to `to` on the 32-bit timestamp circle. */
export function timestampDelta(to: number, from: number): number {
  return (to - from) | 0;
}

/** Signed distance from `from` to `to` on the 16-bit sequence circle. */
export function sequenceDelta(to: number, from: number): number {
  return (((to - from + 0x8000) & 0xffff) - 0x8000);
}
