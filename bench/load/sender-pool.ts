/**
 * The load generator's processes: rtp-sender.c compiled once with `cc` (into
 * dist/, beside this file) and run as K child processes, each pacing its share
 * of the legs from one UDP socket: sender k takes the k-th part of the 20 ms
 * tick. A leg's end ("done") resolves the promise addLeg gave.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildC } from './c-build.js';


export interface SenderStats {
  sent: number;
  injected_dropped: number;
  batches: number;
  send_errors: number;
  legs_done: number;
  active_legs: number;
  late_max_us: number;
  utime_s: number;
  stime_s: number;
  late_hist_us: Record<string, number>;
}

export interface LegDone {
  id: number;
  /** Packets whose due time came (sent, dropped on purpose or held). */
  due: number;
  sent: number;
  /** CLOCK_MONOTONIC ns of the first packet sent (0: none). */
  firstSendNs: bigint;
}

export interface LegCommand {
  id: number;
  port: number;
  payloadType: number;
  ssrc: number;
  seq0: number;
  ts0: number;
  contentOffset: number;
  startNs: bigint;
  packets: number;
  lossThr: number;
  reorderThr: number;
}

/** Compile rtp-sender.c unless the binary is newer; returns its path. */
export function buildSender(): string {
  return buildC('rtp-sender');
}

class Sender {
  readonly child: ChildProcessWithoutNullStreams;
  active = 0;
  readonly ready: Promise<void>;
  final: Promise<SenderStats>;
  #statsWaiters: ((s: SenderStats) => void)[] = [];

  constructor(binary: string, args: string[], onDone: (d: LegDone) => void) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (b: Buffer) => process.stderr.write(`[rtp-sender ${this.child.pid}] ${b}`));
    const lines = createInterface({ input: this.child.stdout });
    let readyResolve: () => void;
    let finalResolve: (s: SenderStats) => void;
    this.ready = new Promise((r) => (readyResolve = r));
    this.final = new Promise((r) => (finalResolve = r));
    lines.on('line', (line) => {
      if (line === 'ready') readyResolve();
      else if (line.startsWith('done ')) {
        const [id, due, sent, first] = line.slice(5).split(' ');
        this.active--;
        onDone({ id: Number(id), due: Number(due), sent: Number(sent), firstSendNs: BigInt(first) });
      } else if (line.startsWith('stats ')) this.#statsWaiters.shift()?.(JSON.parse(line.slice(6)) as SenderStats);
      else if (line.startsWith('final ')) finalResolve(JSON.parse(line.slice(6)) as SenderStats);
    });
    this.child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`rtp-sender ${this.child.pid} exited with ${code}\n`);
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  stats(): Promise<SenderStats> {
    return new Promise((resolve) => {
      this.#statsWaiters.push(resolve);
      this.send('stats');
    });
  }
}

export class SenderPool {
  readonly #senders: Sender[] = [];
  readonly #waiting = new Map<number, (d: LegDone) => void>();
  readonly #owner = new Map<number, Sender>();

  /** `nice`, `rtPriority` (0: none): the senders' priority (needs root; see rtp-sender.c). */
  constructor(count: number, tables: [string, string], nice: number, rtPriority: number) {
    const binary = buildSender();
    for (let i = 0; i < count; i++) {
      this.#senders.push(
        new Sender(binary, [...tables, String(nice), String(rtPriority)], (d) => {
          this.#owner.delete(d.id);
          const w = this.#waiting.get(d.id);
          this.#waiting.delete(d.id);
          w?.(d);
        }),
      );
    }
  }

  get pids(): number[] {
    return this.#senders.map((s) => s.child.pid ?? 0);
  }

  async ready(): Promise<void> {
    await Promise.all(this.#senders.map((s) => s.ready));
  }

  /**
   * Start a leg; resolves when the sender is done with it. Sender k takes the
   * legs whose phase falls in the k-th part of the 20 ms tick, so the senders
   * take turns instead of waking together: two real-time senders bursting at
   * once would hold both CPUs of a 2-core machine and stall the recorder.
   */
  addLeg(c: LegCommand): Promise<LegDone> {
    const phase = Number(c.startNs % 20_000_000n) / 20_000_000;
    const sender = this.#senders[Math.min(this.#senders.length - 1, Math.floor(phase * this.#senders.length))];
    sender.active++;
    this.#owner.set(c.id, sender);
    const done = new Promise<LegDone>((resolve) => this.#waiting.set(c.id, resolve));
    sender.send(
      `leg ${c.id} ${c.port} ${c.payloadType} ${c.ssrc} ${c.seq0} ${c.ts0} ${c.contentOffset} ${c.startNs} ${c.packets} ${c.lossThr} ${c.reorderThr}`,
    );
    return done;
  }

  stopLeg(id: number): void {
    this.#owner.get(id)?.send(`stop ${id}`);
  }

  async stats(): Promise<SenderStats[]> {
    return Promise.all(this.#senders.map((s) => s.stats()));
  }

  /** Stop every leg and the processes; their final counters. */
  async close(): Promise<SenderStats[]> {
    for (const s of this.#senders) s.send('quit');
    const timeout = setTimeout(() => this.kill(), 10_000);
    try {
      return await Promise.all(this.#senders.map((s) => s.final));
    } finally {
      clearTimeout(timeout);
    }
  }

  kill(): void {
    for (const s of this.#senders) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
}

/** Sum the senders' counters; lateness histogram bins added up. */
export function sumSenderStats(all: SenderStats[]): SenderStats {
  const out: SenderStats = { sent: 0, injected_dropped: 0, batches: 0, send_errors: 0, legs_done: 0, active_legs: 0, late_max_us: 0, utime_s: 0, stime_s: 0, late_hist_us: {} };
  for (const s of all) {
    out.sent += s.sent;
    out.injected_dropped += s.injected_dropped;
    out.batches += s.batches;
    out.send_errors += s.send_errors;
    out.legs_done += s.legs_done;
    out.active_legs += s.active_legs;
    out.late_max_us = Math.max(out.late_max_us, s.late_max_us);
    out.utime_s += s.utime_s;
    out.stime_s += s.stime_s;
    for (const [k, v] of Object.entries(s.late_hist_us)) out.late_hist_us[k] = (out.late_hist_us[k] ?? 0) + v;
  }
  return out;
}
