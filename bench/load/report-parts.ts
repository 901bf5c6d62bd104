/**
 * Pieces of the load report that are pure arithmetic over what a run
 * collected: the recorder's own counters summed from session_info.json, and
 * CPU over the steady window from two /proc snapshots.
 */
import type { BenchCall } from './calls.js';
import { cpuDelta, hostBusy } from './proc-stats.js';
import type { WindowPoint } from './scenarios.js';
import { round } from './summary.js';

export interface RecorderCounters {
  packets: number;
  recorded: number;
  lost: number;
  late: number;
  duplicates: number;
  reanchored: number;
  ssrc_changes: number;
  dropped: Record<string, number>;
}

/** Per-leg stats of every finished call's session_info.json, added up. */
export function sumRecorderCounters(finished: readonly BenchCall[]): RecorderCounters {
  const rec: RecorderCounters = { packets: 0, recorded: 0, lost: 0, late: 0, duplicates: 0, reanchored: 0, ssrc_changes: 0, dropped: {} };
  for (const c of finished) {
    for (const leg of ['incoming', 'outgoing'] as const) {
      const s = c.info?.stats?.[leg];
      if (!s) continue;
      rec.packets += s.packets;
      rec.recorded += s.recorded;
      rec.lost += s.lost;
      rec.late += s.late ?? 0;
      rec.duplicates += s.duplicates ?? 0;
      rec.reanchored += s.reanchored ?? 0;
      rec.ssrc_changes += s.ssrc_changes ?? 0;
      for (const [k, v] of Object.entries(s.dropped)) rec.dropped[k] = (rec.dropped[k] ?? 0) + v;
    }
  }
  return rec;
}

export interface SteadyState {
  window_s: number;
  packets_per_s: number | null;
  cpu_s: number;
  cpu_pct: number | null;
  main_thread_cpu_pct: number | null;
  /** Runnable but not running: more than a few % means something else had the CPU. */
  main_thread_runqueue_wait_pct: number | null;
  other_threads_cpu_pct: number | null;
  us_per_packet: number | null;
  main_thread_us_per_packet: number | null;
  /** In the kernel (recvmsg, epoll_wait, futex…): Node reads one datagram per syscall. */
  main_thread_kernel_us_per_packet: number | null;
  all_threads_kernel_us_per_packet: number | null;
  other_threads_us_per_packet: number | null;
  by_thread_name_s: Record<string, number>;
  busiest_threads: { tid: number; name: string; cpuS: number }[];
  /** % of one CPU; the machine has ncpu × 100 %. */
  generator_cpu_pct: number | null;
  host_busy_pct: number | null;
  /** Approximate: /proc/stat and per-process accounting differ by a few % (softirq time); never below 0. */
  others_cpu_pct: number | null;
}

/** The recorder's CPU between two window points, per packet sent in between. */
export function steadyState(pid: number, a: WindowPoint, b: WindowPoint, ncpu: number): SteadyState | null {
  if (!a.proc || !b.proc) return null;
  const d = cpuDelta(pid, a.proc, b.proc);
  const packets = b.sent - a.sent;
  const us = (s: number) => round((s * 1e6) / Math.max(1, packets), 2);
  const pct = (s: number) => round((s / d.seconds) * 100, 1);
  const workers = d.totalS - d.mainS;
  const host = hostBusy(a.host, b.host);
  const hostBusyPct = host.total > 0 ? (host.busy / host.total) * 100 * ncpu : 0;
  const generatorPct = ((b.generatorCpuS - a.generatorCpuS) / d.seconds) * 100;
  return {
    window_s: d.seconds,
    packets_per_s: round(packets / d.seconds, 0),
    cpu_s: d.totalS,
    cpu_pct: pct(d.totalS),
    main_thread_cpu_pct: pct(d.mainS),
    main_thread_runqueue_wait_pct: pct(d.mainWaitS),
    other_threads_cpu_pct: pct(workers),
    us_per_packet: us(d.totalS),
    main_thread_us_per_packet: us(d.mainS),
    main_thread_kernel_us_per_packet: us(d.mainSysS),
    all_threads_kernel_us_per_packet: us(d.totalSysS),
    other_threads_us_per_packet: us(workers),
    by_thread_name_s: d.byName,
    busiest_threads: d.topThreads,
    generator_cpu_pct: round(generatorPct, 1),
    host_busy_pct: round(hostBusyPct, 1),
    others_cpu_pct: round(Math.max(0, hostBusyPct - (d.totalS / d.seconds) * 100 - generatorPct), 1),
  };
}
