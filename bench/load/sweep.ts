/**
 * `npm run bench:sweep [-- --seconds S --repeat R --points 100,250,… <run flags>]`
 *
 * Runs the load bench at 100, 250, 500, 1,000, 1,500 and 2,000 calls (each a
 * fresh recorder, one child process per run), stops after the first point
 * that loses packets, prints a table, and writes under bench/results/:
 * sweep-<time>.json (every run's report), sweep.md (the table) and
 * sweep.svg (loss and CPU per packet against calls). With --repeat R each
 * point runs R times and the table shows the median run (by loss, then µs
 * per packet). With --rtp-io dgram,native the whole sweep runs once per
 * receive path (each to its own first loss) and the plot shows both. Any
 * flag it does not know is passed to every run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';
import { hostBusy, hostTicks } from './proc-stats.js';
import { round } from './summary.js';
import { lineChartSvg } from './svg-plot.js';

const RUN = fileURLToPath(new URL('./run.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

interface SweepArgs {
  points: number[];
  seconds: number;
  repeat: number;
  /** Receive paths to sweep, each a full sweep; empty: the recorder's default. */
  rtpIo: string[];
  passThrough: string[];
}

function parse(argv: string[]): SweepArgs {
  const out: SweepArgs = { points: [100, 250, 500, 1000, 1500, 2000], seconds: 30, repeat: 1, rtpIo: [], passThrough: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--points') out.points = value().split(',').map(Number);
    else if (a === '--seconds') out.seconds = Number(value());
    else if (a === '--repeat') out.repeat = Number(value());
    else if (a === '--rtp-io') out.rtpIo = value().split(',');
    else if (a === '--help') {
      process.stdout.write('Usage: npm run bench:sweep -- [--points 100,250,500,1000,1500,2000] [--seconds 30] [--repeat 1] [--rtp-io dgram,native] [bench flags…]\n');
      process.exit(0);
    } else out.passThrough.push(a);
  }
  if (out.rtpIo.some((io) => !['auto', 'native', 'dgram'].includes(io))) throw new Error('--rtp-io: auto, native or dgram, comma-separated');
  if (out.points.some((p) => !Number.isInteger(p) || p < 1)) throw new Error('--points: whole numbers ≥ 1, comma-separated');
  if (!(out.seconds > 0) || !(out.repeat >= 1)) throw new Error('--seconds and --repeat must be positive');
  return out;
}

// The fields of a run's report the sweep reads.
interface Report {
  ok: boolean;
  notes: string[];
  loss_pct: number;
  packets_sent: number;
  packets_misplaced?: number | null;
  recorder_counters?: { dropped?: Record<string, number>; kernel_udp_drops?: { drops: number } | null };
  packets_recorded: number;
  recorder: {
    steady_state: null | {
      packets_per_s: number;
      cpu_pct: number;
      main_thread_cpu_pct: number;
      main_thread_runqueue_wait_pct: number;
      us_per_packet: number;
      main_thread_us_per_packet: number;
      other_threads_us_per_packet: number;
      generator_cpu_pct: number;
      others_cpu_pct: number;
    };
    peak_rss_mb: number;
    ring_high_water_pct: number;
  };
  finalize_ms: { p50: number; max: number };
  generator: { late_max_ms: number; us_per_packet: number };
  check: null | { files: number; files_verified: number };
  timeline?: unknown;
}

function runOnce(calls: number, seconds: number, passThrough: string[], out: string): Promise<Report | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, '--calls', String(calls), '--seconds', String(seconds), '--out', out, ...passThrough], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', () => {
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as Report);
      } catch {
        resolve(null);
      }
    });
  });
}

/** Busy share of the machine over `ms`, % of all CPUs. */
async function hostBusyPct(ms: number): Promise<number> {
  const a = hostTicks();
  await new Promise((r) => setTimeout(r, ms));
  const b = hostBusy(a, hostTicks());
  return round((b.busy / Math.max(1, b.total)) * 100, 0) ?? 0;
}

function pickMedian(runs: Report[]): Report {
  const sorted = [...runs].sort((a, b) => a.loss_pct - b.loss_pct || (a.recorder.steady_state?.us_per_packet ?? 0) - (b.recorder.steady_state?.us_per_packet ?? 0));
  return sorted[(sorted.length - 1) >> 1];
}

const COLUMNS = [
  'calls',
  'packets/s',
  'loss %',
  'of which kernel drops / ring full / misplaced',
  'recorder CPU %',
  'µs/packet',
  'main µs',
  'workers µs',
  'main wait %',
  'peak RSS MB',
  'ring high-water %',
  'finalize p50 / max ms',
  'generator late max ms',
  'files verified',
];

function row(calls: number, r: Report | null): string[] {
  if (r === null) return [String(calls), 'run failed', ...COLUMNS.slice(2).map(() => '')];
  const s = r.recorder.steady_state;
  return [
    String(calls),
    String(s?.packets_per_s ?? ''),
    String(r.loss_pct),
    r.loss_pct > 0 ? `${r.recorder_counters?.kernel_udp_drops?.drops ?? '?'} / ${r.recorder_counters?.dropped?.ring_full ?? '?'} / ${r.packets_misplaced ?? '?'}` : '–',
    String(s?.cpu_pct ?? ''),
    String(s?.us_per_packet ?? ''),
    String(s?.main_thread_us_per_packet ?? ''),
    String(s?.other_threads_us_per_packet ?? ''),
    String(s?.main_thread_runqueue_wait_pct ?? ''),
    String(r.recorder.peak_rss_mb),
    String(r.recorder.ring_high_water_pct),
    `${r.finalize_ms.p50} / ${r.finalize_ms.max}`,
    String(r.generator.late_max_ms),
    r.check ? `${r.check.files_verified}/${r.check.files}` : 'not checked',
  ];
}

function markdownTable(rows: string[][]): string {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `| ${COLUMNS.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const machine = machineInfo();
  interface Point { calls: number; host_busy_before_pct: number; runs: (Report | null)[]; median: Report | null }
  const paths = args.rtpIo.length > 0 ? args.rtpIo : [null];
  const sweeps: { rtpIo: string | null; points: Point[]; rows: string[][]; knee: number | null }[] = [];
  for (const rtpIo of paths) {
    const points: Point[] = [];
    const rows: string[][] = [];
    let knee: number | null = null;
    const flags = rtpIo === null ? args.passThrough : [...args.passThrough, '--rtp-io', rtpIo];
    for (const calls of args.points) {
      const runs: (Report | null)[] = [];
      let busy = 0;
      for (let i = 0; i < args.repeat; i++) {
        busy = await hostBusyPct(2000);
        process.stderr.write(`[sweep] ${rtpIo === null ? '' : `--rtp-io ${rtpIo}: `}${calls} calls × ${args.seconds} s, run ${i + 1}/${args.repeat} (machine ${busy}% busy before)\n`);
        const tmp = path.join(RESULTS, `.run-${process.pid}.json`);
        const report = await runOnce(calls, args.seconds, flags, tmp);
        rmSync(tmp, { force: true });
        runs.push(report);
      }
      const done = runs.filter((r): r is Report => r !== null);
      const median = done.length > 0 ? pickMedian(done) : null;
      points.push({ calls, host_busy_before_pct: busy, runs, median });
      rows.push(row(calls, median));
      process.stderr.write(`${markdownTable([row(calls, median)]).split('\n')[2]}\n`);
      if (median === null || median.loss_pct > 0 || !median.ok) {
        knee = calls;
        break;
      }
    }
    sweeps.push({ rtpIo, points, rows, knee });
  }
  const tableOf = (w: (typeof sweeps)[number]) => `${w.rtpIo === null ? '' : `--rtp-io ${w.rtpIo}\n\n`}${markdownTable(w.rows)}`;
  const table = sweeps.map(tableOf).join('\n\n');
  const goodOf = (w: (typeof sweeps)[number]) => {
    const good = w.points.filter((p) => p.median && p.median.loss_pct === 0 && p.median.ok).map((p) => p.calls);
    return good.length ? Math.max(...good) : 0;
  };
  const summary = {
    bench: 'callrec sweep',
    at: new Date().toISOString(),
    machine,
    seconds: args.seconds,
    repeat: args.repeat,
    flags: args.passThrough,
    sweeps: sweeps.map((w) => ({
      rtp_io: w.rtpIo,
      lossless_up_to_calls: goodOf(w),
      first_loss_at_calls: w.knee,
      points: w.points.map((p) => ({ ...p, runs: p.runs.map((r) => (r ? { ...r, timeline: undefined } : null)) })),
    })),
    table,
  };
  writeFileSync(path.join(RESULTS, `sweep-${stamp}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  const header = `Sweep ${summary.at}: ${machine.nproc} × ${machine.cpu_model}, Node ${machine.node}; ${args.seconds} s per point, ${args.repeat} run(s) each (median shown)${args.passThrough.length ? `; flags: ${args.passThrough.join(' ')}` : ''}.`;
  writeFileSync(path.join(RESULTS, 'sweep.md'), `${header}\n\n${table}\n`);

  const series = (points: Point[], f: (r: Report) => number | undefined) =>
    points.filter((p) => p.median !== null && f(p.median) !== undefined).map((p) => [p.calls, f(p.median!)!] as [number, number]);
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd'];
  const svg = lineChartSvg({
    title: 'callrec: loss and recorder CPU per packet vs concurrent calls',
    subtitle: `${machine.nproc} × ${machine.cpu_model}, Node ${machine.node}, ${args.seconds} s per point, loopback, generator on the same machine`,
    xLabel: 'concurrent calls (2 legs × 50 packets/s each)',
    leftLabel: 'packet loss %',
    rightLabel: 'recorder CPU µs per packet',
    series: sweeps.flatMap((w, i) => {
      const name = w.rtpIo ?? 'recorder';
      const color = colors[i % colors.length];
      return [
        { name: `${name}: loss %`, axis: 'left' as const, color: '#d62728', dashed: i > 0, points: series(w.points, (r) => r.loss_pct) },
        { name: `${name}: µs/packet`, axis: 'right' as const, color, points: series(w.points, (r) => r.recorder.steady_state?.us_per_packet) },
        { name: `${name}: main thread`, axis: 'right' as const, color, dashed: true, points: series(w.points, (r) => r.recorder.steady_state?.main_thread_us_per_packet) },
      ];
    }),
    rules: [{ axis: 'right', y: 4.5, label: 'target 4.5 µs/packet', color: '#1f77b4' }],
  });
  writeFileSync(path.join(RESULTS, 'sweep.svg'), svg);
  const verdicts = sweeps.map((w) => `${w.rtpIo ?? 'recorder'}: lossless up to ${goodOf(w)} calls; first loss at ${w.knee ?? 'none (all points lossless)'}`);
  process.stdout.write(`${header}\n\n${table}\n\n${verdicts.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`sweep: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
