/**
 * SIP counters: everything dropped, refused or retried is counted here, by a
 * stable snake_case name (listed in the README), and read by stats().
 */
export class SipCounters {
  readonly #counts = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
