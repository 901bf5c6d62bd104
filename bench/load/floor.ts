/**
 * One receive-floor measurement: a bare receiver process (node:dgram in
 * dgram-receiver.ts, or the C reference receiver, reference-receiver.c) on
 * `sockets` loopback ports, the load bench's C sender at `pps` datagrams/s
 * (pps/50 legs of 20 ms packets, spread evenly over the tick and the ports),
 * and the receiver's CPU from /proc over the window after a warm-up.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildC } from './c-build.js';
import { legPlan } from './content.js';
import { cpuDelta, snapshotProcess } from './proc-stats.js';
import { SenderPool } from './sender-pool.js';
import { round } from './summary.js';
import { NODE_FLAGS } from '../../src/node-flags.js';

const RECEIVER = fileURLToPath(new URL('./dgram-receiver.js', import.meta.url));

export type FloorRow = Awaited<ReturnType<typeof measureFloor>>;

/** `senderCount`: generator processes (one paces ~150,000 packets/s). `receiver`: 'dgram' (dgram-receiver.ts, `threads` and `mode` apply) or 'c' (reference-receiver.c). */
export async function measureFloor(pps: number, seconds: number, sockets: number, threads: number, mode: string, rt: number, tables: [string, string], receiver = 'dgram', senderCount = 1) {
  const base = 10000 + 2 * Math.floor(Math.random() * 4000);
  const prefix = rt > 0 ? ['chrt', '-r', String(rt)] : [];
  // The recorder's own node flags (src/node-flags.ts), so that the floor and the recorder compare.
  const cmd = receiver === 'c'
    ? [...prefix, buildC('reference-receiver'), String(base), String(sockets)]
    : [...prefix, process.execPath, ...NODE_FLAGS, RECEIVER, String(base), String(sockets), String(threads), mode];
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
  const senders = new SenderPool(senderCount, tables, -15, 10);
  const sentSoFar = async () => (await senders.stats()).reduce((sum, x) => sum + x.sent, 0);
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
  const sa = await sentSoFar();
  await sleep(seconds * 1000);
  const b = snapshotProcess(child.pid!)!;
  const rb = await stats();
  const sb = await sentSoFar();
  await senders.close();
  child.stdin!.write('quit\n');
  const d = cpuDelta(child.pid!, a, b);
  const received = rb - ra;
  const sent = sb - sa;
  const us = (s: number) => round((s * 1e6) / Math.max(1, received), 2);
  return {
    receiver: receiver === 'c' ? 'c reference' : 'node:dgram',
    sockets,
    threads,
    mode: receiver === 'c' ? 'recvmmsg+copy' : mode,
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

