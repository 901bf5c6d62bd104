/**
 * Suite setup that cannot pass by failing. uvu runs `before` hooks outside
 * the per-test try, and a throw there ends the suite with no error reported
 * and exit code 0 (its runner returns from `finally`). So setup errors are
 * kept and re-thrown by a `before.each`: every test then fails with them.
 */
import type { Test } from 'uvu';

export function setupSuite(suite: Test, setup: () => Promise<void>): void {
  let failure: unknown;
  suite.before(async () => {
    try {
      await setup();
    } catch (err) {
      failure = err ?? new Error('suite setup failed');
    }
  });
  suite.before.each(() => {
    if (failure !== undefined) throw failure;
  });
}
