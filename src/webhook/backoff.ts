/**
 * Retry schedule: the delay after the n-th failed attempt is
 * initial · 2^(n−1), capped at max, with "equal jitter" (a random point in
 * the upper half), so receivers coming back are not hit by every pending
 * delivery at the same instant. Pure.
 */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export function retryDelayMs(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** exponent);
  return Math.round(base / 2 + (base / 2) * random());
}
