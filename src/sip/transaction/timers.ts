/**
 * RFC 3261 §17 timer values. T1 is the round-trip estimate, T2 the cap on
 * retransmission intervals, T4 how long a message may live in the network.
 * Tests shrink them; production uses the RFC's defaults.
 */
export interface SipTimers {
  t1: number;
  t2: number;
  t4: number;
}

export const RFC3261_TIMERS: SipTimers = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/** Run `fn` after `ms` without keeping the process alive. */
export function later(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

/**
 * Send now, then again after T1, 2·T1, 4·T1… capped at T2, until stop() or
 * until `64·T1` has passed (then `onTimeout`). Used for a 2xx to INVITE
 * (§13.3.1.4), a non-2xx final over UDP (timer G/H) and requests over UDP
 * (timer E/F).
 */
export class Retransmitter {
  readonly #send: () => void;
  readonly #timers: SipTimers;
  readonly #onTimeout: () => void;
  readonly #repeat: boolean;
  readonly #sendFirst: boolean;
  #interval: number;
  #retry: NodeJS.Timeout | null = null;
  #deadline: NodeJS.Timeout | null = null;

  /** `repeat`: retransmit (unreliable transports); `sendFirst`: false when the first copy went out already. */
  constructor(opts: { send: () => void; timers: SipTimers; repeat: boolean; sendFirst?: boolean; onTimeout: () => void }) {
    this.#send = opts.send;
    this.#timers = opts.timers;
    this.#onTimeout = opts.onTimeout;
    this.#repeat = opts.repeat;
    this.#sendFirst = opts.sendFirst ?? true;
    this.#interval = opts.timers.t1;
  }

  start(): void {
    if (this.#sendFirst) this.#send();
    if (this.#repeat) this.#schedule();
    this.#deadline = later(64 * this.#timers.t1, () => {
      this.stop();
      this.#onTimeout();
    });
  }

  #schedule(): void {
    this.#retry = later(this.#interval, () => {
      this.#send();
      this.#interval = Math.min(this.#interval * 2, this.#timers.t2);
      this.#schedule();
    });
  }

  stop(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#deadline !== null) clearTimeout(this.#deadline);
    this.#retry = null;
    this.#deadline = null;
  }
}
