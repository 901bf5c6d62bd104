/**
 * Samples the recorder once a second while a run goes: CPU (whole process and
 * main thread), RSS, file descriptors, threads, active calls and ring use from
 * /healthz. The timeline shows whether memory, fds or ports leak under churn.
 */
import { requestJson } from './http-client.js';
import { hostTicks, snapshotProcess } from './proc-stats.js';
import type { ProcSnapshot } from './proc-stats.js';
import { round } from './summary.js';

export interface TimelinePoint {
  t: number;
  cpu_pct: number | null;
  main_pct: number | null;
  /** Main thread waiting for a CPU while runnable, % of the interval. */
  main_wait_pct: number | null;
  rss_mb: number | null;
  fds: number | null;
  threads: number | null;
  active_calls: number | null;
  ring_used_max: number | null;
  /** Whole machine over the last interval, % of all CPUs: user+nice, system+irq+softirq, iowait, steal, idle. */
  host: { usr: number; sys: number; io: number; steal: number; idle: number } | null;
  /** Load generator processes together, % of one CPU. */
  gen_pct: number | null;
}

function hostShare(a: number[], b: number[]): TimelinePoint['host'] {
  const d = b.map((v, i) => v - (a[i] ?? 0));
  const total = d.slice(0, 8).reduce((s, v) => s + v, 0) || 1;
  const pct = (v: number) => Math.round((v / total) * 100);
  // user nice system idle iowait irq softirq steal
  return { usr: pct(d[0] + d[1]), sys: pct(d[2] + d[5] + d[6]), io: pct(d[4]), steal: pct(d[7]), idle: pct(d[3]) };
}

interface Health {
  active_calls?: number;
  rings?: { capacity: number; used: number; highWater: number }[];
}

export class Monitor {
  readonly timeline: TimelinePoint[] = [];
  readonly #pid: number | null;
  readonly #url: string;
  /** performance.now() at construction; timeline `t` counts seconds from here. */
  readonly startedAtMs = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #last: ProcSnapshot | null = null;
  #lastHost: number[] = [];
  #lastGen: { atMs: number; cpuS: number } | null = null;
  /** Pids of the load generator, sampled too. */
  generatorPids: number[] = [];
  #busy = false;

  constructor(url: string, pid: number | null) {
    this.#url = url;
    this.#pid = pid;
  }

  start(intervalMs = 1000): void {
    this.#last = this.#pid === null ? null : snapshotProcess(this.#pid);
    this.#lastHost = hostTicks();
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const point: TimelinePoint = { t: round((performance.now() - this.startedAtMs) / 1000, 1) ?? 0, cpu_pct: null, main_pct: null, main_wait_pct: null, rss_mb: null, fds: null, threads: null, active_calls: null, ring_used_max: null, host: null, gen_pct: null };
      const host = hostTicks();
      point.host = hostShare(this.#lastHost, host);
      this.#lastHost = host;
      if (this.generatorPids.length > 0) {
        const atMs = performance.now();
        let cpuS = 0;
        for (const pid of this.generatorPids) cpuS += snapshotProcess(pid, false)?.cpuS ?? 0;
        if (this.#lastGen !== null) point.gen_pct = round(((cpuS - this.#lastGen.cpuS) / ((atMs - this.#lastGen.atMs) / 1000)) * 100, 0);
        this.#lastGen = { atMs, cpuS };
      }
      if (this.#pid !== null) {
        const s = snapshotProcess(this.#pid);
        if (s !== null) {
          const prev = this.#last;
          if (prev !== null) {
            const dt = (s.atMs - prev.atMs) / 1000;
            point.cpu_pct = round(((s.cpuS - prev.cpuS) / dt) * 100, 0);
            const mainNow = s.threads.find((t) => t.tid === this.#pid)?.cpuS ?? 0;
            const mainPrev = prev.threads.find((t) => t.tid === this.#pid)?.cpuS ?? 0;
            point.main_pct = round(((mainNow - mainPrev) / dt) * 100, 0);
            const waitNow = s.threads.find((t) => t.tid === this.#pid)?.waitS ?? 0;
            const waitPrev = prev.threads.find((t) => t.tid === this.#pid)?.waitS ?? 0;
            point.main_wait_pct = round(((waitNow - waitPrev) / dt) * 100, 0);
          }
          point.rss_mb = round(s.rssKb / 1024, 1);
          point.fds = s.fds;
          point.threads = s.threadsCount;
          this.#last = s;
        }
      }
      try {
        const h = await requestJson<Health>('GET', `${this.#url}/healthz`, undefined, 5000);
        point.active_calls = h.body.active_calls ?? null;
        point.ring_used_max = h.body.rings ? Math.max(0, ...h.body.rings.map((r) => r.used)) : null;
      } catch {
        // recorder busy or gone: leave nulls
      }
      this.timeline.push(point);
    } finally {
      this.#busy = false;
    }
  }
}
