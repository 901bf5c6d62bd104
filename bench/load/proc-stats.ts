/**
 * What /proc says about a process: CPU per thread (utime + stime, in clock
 * ticks of 10 ms), memory (VmRSS, VmHWM), open file descriptors, and the
 * kernel's UDP receive-queue drops for a port range. Linux only.
 */
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100;

export interface ThreadCpu {
  tid: number;
  name: string;
  /** utime + stime, seconds. */
  cpuS: number;
  /** In the kernel (stime), seconds: syscalls such as recvmsg, epoll_wait. */
  sysS: number;
  /** Time spent runnable but waiting for a CPU (schedstat), seconds. */
  waitS: number;
}

export interface ProcSnapshot {
  atMs: number;
  /** Whole process, seconds (includes exited threads). */
  cpuS: number;
  threads: ThreadCpu[];
  rssKb: number;
  hwmKb: number;
  fds: number;
  threadsCount: number;
}

/** utime + stime of a /proc/…/stat line, seconds. */
function statCpu(text: string): { name: string; cpuS: number; userS: number; sysS: number } {
  const close = text.lastIndexOf(')');
  const name = text.slice(text.indexOf('(') + 1, close);
  // Fields after "comm)": state is field 3; utime 14, stime 15 (1-based).
  const rest = text.slice(close + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { name, cpuS: (utime + stime) / CLK_TCK, userS: utime / CLK_TCK, sysS: stime / CLK_TCK };
}

function statusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** Snapshot of one process; null when it is gone. */
export function snapshotProcess(pid: number, detailed = true): ProcSnapshot | null {
  try {
    const atMs = performance.now();
    const whole = statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const threads: ThreadCpu[] = [];
    if (!detailed) return { atMs, cpuS: whole.cpuS, threads, rssKb: 0, hwmKb: 0, fds: 0, threadsCount: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const t = statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
        const sched = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
        threads.push({ tid: Number(tid), name: t.name, cpuS: t.cpuS, sysS: t.sysS, waitS: Number(sched[1]) / 1e9 });
      } catch {
        // thread ended between readdir and read
      }
    }
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    let fds = 0;
    try {
      fds = readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      fds = -1;
    }
    return {
      atMs,
      cpuS: whole.cpuS,
      threads,
      rssKb: statusKb(status, 'VmRSS'),
      hwmKb: statusKb(status, 'VmHWM'),
      fds,
      threadsCount: threads.length,
    };
  } catch {
    return null;
  }
}

export interface CpuDelta {
  seconds: number;
  totalS: number;
  mainS: number;
  /** Main thread: runnable but not running (waiting for a CPU), seconds. */
  mainWaitS: number;
  /** Main thread's share in the kernel, seconds. */
  mainSysS: number;
  /** All threads' share in the kernel, seconds. */
  totalSysS: number;
  /** Other threads, grouped by thread name. */
  byName: Record<string, number>;
  /** The busiest non-main threads (workers), seconds each. */
  topThreads: { tid: number; name: string; cpuS: number }[];
}

/** CPU spent between two snapshots of process `pid`; main thread = tid pid. */
export function cpuDelta(pid: number, a: ProcSnapshot, b: ProcSnapshot): CpuDelta {
  const before = new Map(a.threads.map((t) => [t.tid, t.cpuS]));
  const waitBefore = a.threads.find((t) => t.tid === pid)?.waitS ?? 0;
  const mainWaitS = (b.threads.find((t) => t.tid === pid)?.waitS ?? 0) - waitBefore;
  const sysOf = (snap: ProcSnapshot, tid: number | null) =>
    snap.threads.filter((t) => tid === null || t.tid === tid).reduce((x, t) => x + t.sysS, 0);
  const mainSysS = sysOf(b, pid) - sysOf(a, pid);
  // Threads that ended in between drop out of b: count only those present in both.
  const common = new Set(a.threads.map((t) => t.tid));
  const totalSysS = b.threads.filter((t) => common.has(t.tid)).reduce((x, t) => x + t.sysS, 0) - a.threads.filter((t) => b.threads.some((u) => u.tid === t.tid)).reduce((x, t) => x + t.sysS, 0);
  const byName: Record<string, number> = {};
  const per: { tid: number; name: string; cpuS: number }[] = [];
  let mainS = 0;
  for (const t of b.threads) {
    const d = t.cpuS - (before.get(t.tid) ?? 0);
    if (t.tid === pid) mainS = d;
    else {
      byName[t.name] = round3((byName[t.name] ?? 0) + d);
      per.push({ tid: t.tid, name: t.name, cpuS: round3(d) });
    }
  }
  per.sort((x, y) => y.cpuS - x.cpuS);
  return {
    seconds: round3((b.atMs - a.atMs) / 1000),
    totalS: round3(b.cpuS - a.cpuS),
    mainS: round3(mainS),
    mainWaitS: round3(mainWaitS),
    mainSysS: round3(mainSysS),
    totalSysS: round3(totalSysS),
    byName,
    topThreads: per.slice(0, 6),
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Kernel drops on UDP sockets bound to 127.0.0.1 ports in [min, max]
 * (receive buffer full: the process did not read fast enough).
 */
export function udpDrops(min: number, max: number): { sockets: number; drops: number; queuedBytes: number } {
  let sockets = 0;
  let drops = 0;
  let queuedBytes = 0;
  const text = readFileSync('/proc/net/udp', 'utf8');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const [addr, portHex] = f[1].split(':');
    const port = parseInt(portHex, 16);
    if (addr !== '0100007F' || port < min || port > max) continue;
    sockets++;
    queuedBytes += parseInt(f[4].split(':')[1], 16);
    drops += Number(f[f.length - 1]);
  }
  return { sockets, drops, queuedBytes };
}

/** Udp RcvbufErrors from /proc/net/snmp (system-wide). */
export function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}

/** The aggregate "cpu" line of /proc/stat: ticks by kind (user nice system idle iowait irq softirq steal …). */
export function hostTicks(): number[] {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  return line.trim().split(/\s+/).slice(1).map(Number);
}

/** Busy ticks (everything but idle and iowait) and all ticks between two hostTicks() readings. */
export function hostBusy(a: number[], b: number[]): { busy: number; total: number } {
  const d = b.slice(0, 8).map((v, i) => v - (a[i] ?? 0));
  const total = d.reduce((s, v) => s + v, 0);
  return { busy: total - d[3] - d[4], total };
}
