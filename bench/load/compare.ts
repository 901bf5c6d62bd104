/**
 * `npm run bench -- --compare --calls N …`: the same fixed load three times
 * in one run, one after the other on the same machine: the recorder with
 * `--rtp-io dgram`, the recorder with `--rtp-io native`, and the C reference
 * receiver (reference-receiver.c) on as many sockets at the same packet
 * rate. The report holds the two full load reports and one table whose
 * ratios are measured here, not quoted from another day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './args.js';
import { buildContentTables, writeContentTables } from './content.js';
import { measureFloor } from './floor.js';
import { machineInfo } from './machine.js';
import { runBench } from './run.js';
import { round } from './summary.js';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Row {
  receiver: string;
  loss_pct: number | null;
  files_verified: string | null;
  cpu_pct: number | null;
  us_per_packet: number | null;
  main_thread_pct: number | null;
  main_thread_us_per_packet: number | null;
  peak_rss_mb: number | null;
  vs_reference: number | null;
}

// The load report's fields this table reads (run.ts builds them).
interface LoadReport {
  ok: boolean;
  loss_pct: number;
  check: { files: number; files_verified: number } | null;
  recorder: {
    steady_state: { cpu_pct: number | null; us_per_packet: number | null; main_thread_cpu_pct: number | null; main_thread_us_per_packet: number | null } | null;
    peak_rss_mb: number | null;
  };
  params: { rtp_io: string | null };
}

function rowOf(name: string, r: LoadReport): Row {
  const s = r.recorder.steady_state;
  return {
    receiver: name,
    loss_pct: r.loss_pct,
    files_verified: r.check === null ? null : `${r.check.files_verified}/${r.check.files}`,
    cpu_pct: s?.cpu_pct ?? null,
    us_per_packet: s?.us_per_packet ?? null,
    main_thread_pct: s?.main_thread_cpu_pct ?? null,
    main_thread_us_per_packet: s?.main_thread_us_per_packet ?? null,
    peak_rss_mb: r.recorder.peak_rss_mb,
    vs_reference: null,
  };
}

export async function runCompare(opts: BenchOptions): Promise<Record<string, unknown>> {
  const reports: Record<string, LoadReport> = {};
  for (const io of ['dgram', 'native'] as const) {
    log(`--compare: the recorder with --rtp-io ${io}`);
    const report = (await runBench({ ...opts, rtpIo: io, compare: false })) as unknown as LoadReport;
    if (report.params.rtp_io !== io) throw new Error(`the recorder ran with rtp_io ${report.params.rtp_io}, not ${io}`);
    reports[io] = report;
  }
  log('--compare: the C reference receiver');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'callrec-compare-'));
  let reference;
  try {
    const tables = writeContentTables(buildContentTables(), tmp);
    reference = await measureFloor(opts.calls * 100, Math.max(5, opts.seconds - opts.warmupS - 2), opts.calls * 2, 0, '-', opts.recorderRtPriority, tables, 'c', opts.senders);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const rows: Row[] = [rowOf('callrec, --rtp-io dgram', reports.dgram), rowOf('callrec, --rtp-io native', reports.native)];
  rows.push({
    receiver: 'C reference receiver',
    // Received against sent over the window (the two counts are read a few ms apart): ±0.1 % is skew, not loss.
    loss_pct: round(100 - (reference.received_pct ?? 0), 2),
    files_verified: null,
    cpu_pct: reference.cpu_pct,
    us_per_packet: reference.us_per_packet,
    main_thread_pct: reference.cpu_pct, // one thread
    main_thread_us_per_packet: reference.main_thread_us_per_packet,
    peak_rss_mb: null,
    vs_reference: 1,
  });
  const ref = reference.us_per_packet ?? 0;
  for (const r of rows) if (r.us_per_packet !== null && ref > 0) r.vs_reference = round(r.us_per_packet / ref, 2);
  const m = machineInfo();
  const cell = (v: unknown) => (v === null || v === undefined ? '–' : String(v));
  const table = [
    `${opts.calls} calls (${opts.calls * 100} packets/s), ${opts.seconds} s, ${m.nproc} × ${m.cpu_model}, Node ${m.node}${opts.recorderRtPriority > 0 ? `, recorder at SCHED_RR ${opts.recorderRtPriority}` : ', normal priority'}.`,
    '',
    '| receiver | loss % | files verified | CPU % (all threads) | µs/packet | main thread % | main thread µs/packet | peak RSS MB | × C reference |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.receiver} | ${cell(r.loss_pct)} | ${cell(r.files_verified)} | ${cell(r.cpu_pct)} | ${cell(r.us_per_packet)} | ${cell(r.main_thread_pct)} | ${cell(r.main_thread_us_per_packet)} | ${cell(r.peak_rss_mb)} | ${cell(r.vs_reference)} |`),
  ].join('\n');
  process.stderr.write(`${table}\n`);
  return {
    bench: 'callrec load, side by side',
    machine: m,
    ok: reports.dgram.ok && reports.native.ok,
    table,
    rows,
    reference,
    dgram: reports.dgram,
    native: reports.native,
  };
}
