/**
 * Waiting for something a test helper collects as it arrives (log lines,
 * SIP messages): the collector keeps a set of waiters and calls each one
 * whenever something new came in.
 */

/**
 * Resolve with the first value `find` returns that is not undefined: at once
 * or after a later call of the waiter. Reject with `failed()` as soon as it
 * returns an Error (e.g. the process exited), or with `timedOut()` after
 * `timeoutMs`.
 */
export function waitUntilFound<T>(
  waiters: Set<() => void>,
  find: () => T | undefined,
  timeoutMs: number,
  timedOut: () => Error,
  failed: () => Error | null = () => null,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = find();
      if (found !== undefined) {
        done();
        resolve(found);
        return;
      }
      const error = failed();
      if (error !== null) {
        done();
        reject(error);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(timedOut());
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}
