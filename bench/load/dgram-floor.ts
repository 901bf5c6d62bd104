/**
 * The floor under callrec's main thread: what Node's dgram alone costs per
 * datagram on this machine, and how the socket layout moves it.
 *
 *   npm run build && node dist/bench/load/dgram-floor.js [--pps 100000] [--seconds 10]
 *       [--sockets 1,10,100,1000,2000] [--threads 0,2] [--mode noop,copy] [--rt 5]
 *
 * For each combination it runs bench/load/dgram-receiver.ts (K sockets on the
 * main thread, or spread over T worker threads) and the same C sender as the
 * load bench, pps/50 legs spread evenly over the 20 ms tick and over the K
 * ports, and measures the receiver's CPU from /proc over the window. The
 * difference between this floor and the recorder's main thread is what
 * callrec's own code costs per packet.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildContentTables, legPlan, writeContentTables } from './content.js';
import { machineInfo } from './machine.js';
import { cpuDelta, snapshotProcess } from './proc-stats.js';
import { SenderPool } from './sender-pool.js';
import { round } from './summary.js';
import { NODE_FLAGS } from '../../src/node-flags.js';

const RECEIVER = fileURLToPath(new URL('./dgram-receiver.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

function list(v: string | undefined, fallback: string): string[] {
  return (v ?? fallback).split(',').filter(Boolean);
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function one(pps: number, seconds: number, sockets: number, threads: number, mode: string, rt: number, tables: [string, string]) {
  const base = 10000 + 2 * Math.floor(Math.random() * 4000);
  const prefix = rt > 0 ? ['chrt', '-r', String(rt)] : [];
  // The recorder's own node flags (src/node-flags.ts), so that the floor and the recorder compare.
  const cmd = [...prefix, process.execPath, ...NODE_FLAGS, RECEIVER, String(base), String(sockets), String(threads), mode];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiters.shift()?.(l));
  const next = () => new Promise<string>((r) => waiters.push(r));
  await next(); // ready
  const stats = async () => {
    const p = next();
    child.stdin!.write('stats\n');
    return Number((await p).split(' ')[1]);
  };
  const senders = new SenderPool(1, tables, -15, 10);
  await senders.ready();
  const legs = Math.round(pps / 50);
  const warmupS = 3;
  const packets = (warmupS + seconds + 1) * 50;
  const t0 = process.hrtime.bigint() + 300_000_000n;
  for (let i = 0; i < legs; i++) {
    const plan = legPlan(i);
    void senders.addLeg({
      id: i,
      port: base + (i % sockets),
      payloadType: 0,
      ssrc: plan.ssrc,
      seq0: plan.seq0,
      ts0: plan.ts0,
      contentOffset: plan.contentOffset,
      startNs: t0 + BigInt(Math.round((i * 20e6) / legs)),
      packets,
      lossThr: 0,
      reorderThr: 0,
    });
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(300 + warmupS * 1000);
  const a = snapshotProcess(child.pid!)!;
  const ra = await stats();
  const sa = (await senders.stats())[0].sent;
  await sleep(seconds * 1000);
  const b = snapshotProcess(child.pid!)!;
  const rb = await stats();
  const sb = (await senders.stats())[0].sent;
  await senders.close();
  child.stdin!.write('quit\n');
  const d = cpuDelta(child.pid!, a, b);
  const received = rb - ra;
  const sent = sb - sa;
  const us = (s: number) => round((s * 1e6) / Math.max(1, received), 2);
  return {
    sockets,
    threads,
    mode,
    pps_sent: round(sent / d.seconds, 0),
    pps_received: round(received / d.seconds, 0),
    received_pct: round((received / Math.max(1, sent)) * 100, 2),
    cpu_pct: round((d.totalS / d.seconds) * 100, 1),
    us_per_packet: us(d.totalS),
    main_thread_us_per_packet: us(d.mainS),
    kernel_us_per_packet: us(d.totalSysS),
    busiest_thread_pct: round(((d.topThreads[0]?.cpuS ?? 0) / d.seconds) * 100, 1),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const pps = Number(flag(argv, 'pps') ?? 100000);
  const seconds = Number(flag(argv, 'seconds') ?? 10);
  const rt = Number(flag(argv, 'rt') ?? 5);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'callrec-dgram-'));
  const tables = writeContentTables(buildContentTables(), tmp);
  const rows = [];
  try {
    for (const mode of list(flag(argv, 'mode'), 'noop')) {
      for (const threads of list(flag(argv, 'threads'), '0').map(Number)) {
        for (const sockets of list(flag(argv, 'sockets'), '1,10,100,1000,2000').map(Number)) {
          const r = await one(pps, seconds, sockets, threads, mode, rt, tables);
          process.stderr.write(`${JSON.stringify(r)}\n`);
          rows.push(r);
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const m = machineInfo();
  const table = [
    `Node dgram floor, ${m.nproc} × ${m.cpu_model}, Node ${m.node}: ${pps} datagrams/s of 172 bytes for ${seconds} s${rt > 0 ? `, receiver at SCHED_RR ${rt}` : ''}.`,
    '',
    '| sockets | threads | handler | received/s | received % | CPU % | µs/datagram | of which kernel | main thread µs | busiest thread % |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.sockets} | ${r.threads === 0 ? 'main' : r.threads} | ${r.mode} | ${r.pps_received} | ${r.received_pct} | ${r.cpu_pct} | ${r.us_per_packet} | ${r.kernel_us_per_packet} | ${r.main_thread_us_per_packet} | ${r.busiest_thread_pct} |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'dgram-floor.json'), `${JSON.stringify({ at: new Date().toISOString(), machine: m, pps, seconds, rows }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`dgram-floor: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
