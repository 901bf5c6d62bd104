/**
 * A seeded PRNG (mulberry32): same seed ⇒ same sequence, so a failing run
 * can be replayed and every leg's audio is recognisable by its seed.
 */
export type Prng = () => number;

/** Returns a function yielding uint32 values. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
