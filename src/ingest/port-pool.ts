/**
 * Even RTP ports from the configured range (RTP on even ports, RFC 3550 §11).
 * A port's index in the range is also its leg slot, so the slot → ring map
 * and the per-slot counters need no table. Ports come back only after their
 * leg's file is closed, so a slot is never used by two legs at once.
 */
export class PortPool {
  readonly first: number;
  readonly size: number;
  readonly #free: number[] = [];
  readonly #inUse = new Set<number>();

  constructor(min: number, max: number) {
    this.first = min + (min % 2);
    for (let port = this.first; port <= max; port += 2) this.#free.push(port);
    this.size = this.#free.length;
  }

  /** Take a free port, or null when none is left. */
  take(): number | null {
    const port = this.#free.shift();
    if (port === undefined) return null;
    this.#inUse.add(port);
    return port;
  }

  /** Give a port back (to the end, so a just-used port rests before reuse). */
  release(port: number): void {
    if (!this.#inUse.delete(port)) return;
    this.#free.push(port);
  }

  available(): number {
    return this.#free.length;
  }

  slotOf(port: number): number {
    return (port - this.first) >> 1;
  }
}
