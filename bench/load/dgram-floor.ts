/**
 * The floor under callrec's main thread: what Node's dgram alone costs per
 * datagram on this machine, how the socket layout moves it, and what the C
 * reference receiver (reference-receiver.c: epoll + recvmmsg + a copy, no
 * rules) costs on the same load.
 *
 *   npm run build && node dist/bench/load/dgram-floor.js [--pps 100000] [--seconds 10]
 *       [--sockets 1,10,100,1000,2000] [--threads 0,2] [--mode noop,copy] [--rt 5]
 *       [--receiver dgram,c]
 *
 * For each combination it runs bench/load/dgram-receiver.ts (K sockets on the
 * main thread, or spread over T worker threads) and the same C sender as the
 * load bench, pps/50 legs spread evenly over the 20 ms tick and over the K
 * ports, and measures the receiver's CPU from /proc over the window. The
 * difference between this floor and the recorder's main thread is what
 * callrec's own code costs per packet.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContentTables, writeContentTables } from './content.js';
import { measureFloor } from './floor.js';
import { machineInfo } from './machine.js';

const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

function list(v: string | undefined, fallback: string): string[] {
  return (v ?? fallback).split(',').filter(Boolean);
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
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
    for (const receiver of list(flag(argv, 'receiver'), 'dgram')) {
      if (receiver !== 'dgram' && receiver !== 'c') throw new Error(`--receiver: "${receiver}" is not dgram or c`);
      for (const mode of receiver === 'c' ? ['-'] : list(flag(argv, 'mode'), 'noop')) {
        for (const threads of receiver === 'c' ? [0] : list(flag(argv, 'threads'), '0').map(Number)) {
          for (const sockets of list(flag(argv, 'sockets'), '1,10,100,1000,2000').map(Number)) {
            const r = await measureFloor(pps, seconds, sockets, threads, mode, rt, tables, receiver);
            process.stderr.write(`${JSON.stringify(r)}\n`);
            rows.push(r);
          }
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const m = machineInfo();
  const table = [
    `Receive floor (node:dgram alone, and the C reference receiver), ${m.nproc} × ${m.cpu_model}, Node ${m.node}: ${pps} datagrams/s of 172 bytes for ${seconds} s${rt > 0 ? `, receiver at SCHED_RR ${rt}` : ''}.`,
    '',
    '| receiver | sockets | threads | handler | received/s | received % | CPU % | µs/datagram | of which kernel | main thread µs | busiest thread % |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.receiver} | ${r.sockets} | ${r.threads === 0 ? 'main' : r.threads} | ${r.mode} | ${r.pps_received} | ${r.received_pct} | ${r.cpu_pct} | ${r.us_per_packet} | ${r.kernel_us_per_packet} | ${r.main_thread_us_per_packet} | ${r.busiest_thread_pct} |`,
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
