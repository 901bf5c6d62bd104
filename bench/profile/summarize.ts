/**
 * Summarise V8 .cpuprofile files (from `node --cpu-prof`, one per thread):
 * where the thread's time went, by function, self and inclusive.
 *
 *   node dist/bench/profile/summarize.js <dir or files…> [--top 25] [--json out.json]
 *
 * Node names the files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile;
 * thread 0 is the main thread, the others are worker threads. Self time is
 * summed from the sample time deltas (not hit counts), so it is in ms.
 *
 * The V8 profiler sees JavaScript only: a thread blocked in Atomics.wait
 * shows as busy in the function that waits (callrec's waitForWork, piscina's
 * atomicsWaitLoop), so their self time is counted as waiting, not busy; and
 * native work outside JS (libuv, recvmsg, epoll) shows as (idle). Compare
 * busy with the thread's CPU time from /proc to see how much is native.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  fn: string;
  where: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ThreadSummary {
  file: string;
  thread: string;
  wallMs: number;
  busyMs: number;
  /** (idle) plus blocked in Atomics.wait. */
  idleMs: number;
  gcMs: number;
  programMs: number;
  top: FunctionTime[];
  /** Inclusive time of functions in the project's own code (dist/src, dist/workers). */
  ownInclusive: FunctionTime[];
}

function where(cf: CallFrame): string {
  if (!cf.url) return '';
  let u = cf.url.replace(/^file:\/\//, '');
  const i = u.indexOf('/dist/');
  if (i >= 0) u = u.slice(i + 1);
  else if (u.includes('node_modules/')) u = u.slice(u.lastIndexOf('node_modules/'));
  return `${u}:${cf.lineNumber + 1}`;
}

function label(cf: CallFrame): string {
  return cf.functionName || '(anonymous)';
}

/** Functions whose self time is a blocked Atomics.wait, not work. */
const WAITING = new Set(['waitForWork', 'atomicsWaitLoop']);

export function summarize(file: string, topN = 25): ThreadSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const meta = new Map<string, CallFrame>();
  let idle = 0;
  let gc = 0;
  let program = 0;
  let all = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000; // the delta after a sample is its duration
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    all += dt;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || WAITING.has(name)) {
      idle += dt;
      continue;
    }
    if (name === '(garbage collector)') gc += dt;
    if (name === '(program)') program += dt;
    const key = `${label(node.callFrame)}\t${where(node.callFrame)}`;
    meta.set(key, node.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id)!.callFrame;
      if (cf.functionName === '(root)') break;
      const k = `${label(cf)}\t${where(cf)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      meta.set(k, cf);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  }
  const busy = all - idle;
  const row = (key: string): FunctionTime => {
    const [fn, w] = key.split('\t');
    const s = self.get(key) ?? 0;
    const t = total.get(key) ?? 0;
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return { fn, where: w, selfMs: r1(s), selfPct: r1((s / Math.max(busy, 1e-9)) * 100), totalMs: r1(t), totalPct: r1((t / Math.max(busy, 1e-9)) * 100) };
  };
  const top = [...self.keys()].sort((a, b) => self.get(b)! - self.get(a)!).slice(0, topN).map(row);
  const ownInclusive = [...total.keys()]
    .filter((k) => /dist\/(src|workers)\//.test(k))
    .sort((a, b) => total.get(b)! - total.get(a)!)
    .slice(0, topN)
    .map(row);
  const m = /CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(path.basename(file));
  return {
    file: path.basename(file),
    thread: m ? (m[2] === '0' ? 'main' : `worker ${m[2]}`) : '?',
    wallMs: Math.round((p.endTime - p.startTime) / 1000),
    busyMs: Math.round(busy),
    idleMs: Math.round(idle),
    gcMs: Math.round(gc),
    programMs: Math.round(program),
    top,
    ownInclusive,
  };
}

export function toMarkdown(s: ThreadSummary, topN: number): string {
  const lines = [
    `### ${s.thread} (${s.file})`,
    '',
    `wall ${s.wallMs} ms, busy in JS ${s.busyMs} ms (${Math.round((s.busyMs / Math.max(1, s.wallMs)) * 100)}%; idle or waiting ${s.idleMs} ms), GC ${s.gcMs} ms, (program) ${s.programMs} ms`,
    '',
    '| self ms | self % of busy | total % | function | where |',
    '| ---: | ---: | ---: | --- | --- |',
    ...s.top.slice(0, topN).map((f) => `| ${f.selfMs} | ${f.selfPct} | ${f.totalPct} | ${f.fn} | ${f.where} |`),
    '',
    'Own code, inclusive:',
    '',
    '| total ms | total % of busy | self % | function | where |',
    '| ---: | ---: | ---: | --- | --- |',
    ...s.ownInclusive.slice(0, 12).map((f) => `| ${f.totalMs} | ${f.totalPct} | ${f.selfPct} | ${f.fn} | ${f.where} |`),
    '',
  ];
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  let topN = 25;
  let jsonOut: string | null = null;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') topN = Number(argv[++i]);
    else if (argv[i] === '--json') jsonOut = argv[++i];
    else inputs.push(argv[i]);
  }
  const files = inputs.flatMap((x) =>
    statSync(x).isDirectory()
      ? readdirSync(x)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => path.join(x, f))
      : [x],
  );
  if (files.length === 0) throw new Error('no .cpuprofile files given');
  const summaries = files.map((f) => summarize(f, topN)).sort((a, b) => (a.thread === 'main' ? -1 : b.thread === 'main' ? 1 : b.busyMs - a.busyMs));
  process.stdout.write(summaries.map((s) => toMarkdown(s, topN)).join('\n'));
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(summaries, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
