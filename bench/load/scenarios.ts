/**
 * The two ways a run drives calls:
 *
 *   fixed: N calls created up front, then all 2N legs start together, phases
 *          spread evenly over the 20 ms tick, each sending S seconds; then
 *          every call is hung up (a few at a time).
 *   churn: about N calls at once for S seconds; lengths uniform in
 *          [min, max]; arrivals Poisson at N / mean length per second, each
 *          call hung up as soon as its legs end. At S the remaining legs stop.
 *
 * Both take two "window points" (recorder /proc + sender counters) bounding
 * the steady state, from which CPU per packet is computed.
 */
import { BenchCall, HANGUP_GRACE_MS } from './calls.js';
import type { RunParams } from './calls.js';
import { dropIdleConnections, mapLimit } from './http-client.js';
import { hostTicks, snapshotProcess } from './proc-stats.js';
import type { ProcSnapshot } from './proc-stats.js';
import type { SenderPool } from './sender-pool.js';

const PERIOD_NS = 20_000_000n;

export interface WindowPoint {
  proc: ProcSnapshot | null;
  sent: number;
  atNs: bigint;
  /** performance.now() when taken. */
  atMs: number;
  /** /proc/stat cpu ticks. */
  host: number[];
  /** Load generator CPU so far, seconds. */
  generatorCpuS: number;
}

export interface ScenarioResult {
  calls: BenchCall[];
  createWallMs: number;
  hangupWallMs: number;
  windowA: WindowPoint | null;
  windowB: WindowPoint | null;
  /** Runs just before the first hangup (fixed) or at the end of arrivals (churn). */
  beforeHangups: unknown;
  createFailures: string[];
}

export interface ScenarioDeps {
  params: RunParams;
  senders: SenderPool;
  pid: number | null;
  calls: number;
  seconds: number;
  warmupS: number;
  createConcurrency: number;
  hangupConcurrency: number;
  minCallS: number;
  maxCallS: number;
  /** Called once the legs are done, before hangups (fixed) — e.g. read kernel UDP drops. */
  beforeHangups: () => Promise<unknown>;
  log: (msg: string) => void;
}

export const nowNs = (): bigint => process.hrtime.bigint();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const sleepUntil = (ns: bigint) => sleep(Number(ns - nowNs()) / 1e6);

async function windowPoint(deps: ScenarioDeps): Promise<WindowPoint> {
  const stats = await deps.senders.stats();
  return {
    proc: deps.pid === null ? null : snapshotProcess(deps.pid),
    sent: stats.reduce((s, x) => s + x.sent, 0),
    atNs: nowNs(),
    atMs: performance.now(),
    host: hostTicks(),
    generatorCpuS: stats.reduce((s, x) => s + x.utime_s + x.stime_s, 0),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no end after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

export async function runFixed(deps: ScenarioDeps): Promise<ScenarioResult> {
  const { params, senders } = deps;
  const calls = Array.from({ length: deps.calls }, (_, i) => new BenchCall(i));
  const createFailures: string[] = [];
  const t0 = performance.now();
  await mapLimit(calls, deps.createConcurrency, (c) =>
    c.create(params).catch((err: Error) => {
      c.error = err.message;
      createFailures.push(err.message);
    }),
  );
  const createWallMs = performance.now() - t0;
  const live = calls.filter((c) => c.error === null);
  deps.log(`created ${live.length}/${calls.length} calls in ${Math.round(createWallMs)} ms`);

  const packets = Math.max(1, Math.round(deps.seconds * 50));
  const legs = live.length * 2;
  const start = nowNs() + 500_000_000n;
  const legStart = (k: number) => start + BigInt(Math.round((k * 20e6) / legs));
  const allDone = Promise.all(live.map((c, i) => c.start(senders, params, [legStart(2 * i), legStart(2 * i + 1)], [packets, packets])));
  const end = start + BigInt(packets) * PERIOD_NS;
  const warm = BigInt(Math.round(deps.warmupS * 1e9));
  let a = start + warm;
  let b = end - 1_000_000_000n;
  if (b - a < 2_000_000_000n) {
    a = start + 100_000_000n;
    b = end;
  }
  await sleepUntil(a);
  const windowA = await windowPoint(deps);
  await sleepUntil(b);
  const windowB = await windowPoint(deps);
  await withTimeout(allDone, 60_000 + (deps.seconds + 10) * 1000, 'legs');
  await sleep(HANGUP_GRACE_MS);
  const beforeHangups = await deps.beforeHangups();
  deps.log(`sent; hanging up ${live.length} calls`);
  dropIdleConnections(); // idle for the whole call: the server may be closing them
  const t1 = performance.now();
  await mapLimit(live, deps.hangupConcurrency, (c) => c.hangup(params));
  return { calls, createWallMs, hangupWallMs: performance.now() - t1, windowA, windowB, beforeHangups, createFailures };
}

export async function runChurn(deps: ScenarioDeps): Promise<ScenarioResult> {
  const { params, senders } = deps;
  const calls: BenchCall[] = [];
  const lifecycles: Promise<void>[] = [];
  const createFailures: string[] = [];
  const meanS = (deps.minCallS + deps.maxCallS) / 2;
  const ratePerS = deps.calls / meanS;
  let legCounter = 0;
  let createsInFlight = 0;
  const startOf = (k: number): bigint => {
    const aligned = ((nowNs() + 150_000_000n) / PERIOD_NS + 1n) * PERIOD_NS;
    return aligned + BigInt(Math.round(((k * 0.6180339887498949) % 1) * 20e6));
  };
  const active = new Set<BenchCall>();
  let stopping = false;

  const launch = async (lengthS: number): Promise<void> => {
    const c = new BenchCall(calls.length);
    calls.push(c);
    createsInFlight++;
    try {
      await c.create(params);
    } catch (err) {
      c.error = (err as Error).message;
      createFailures.push(c.error);
      return;
    } finally {
      createsInFlight--;
    }
    const packets = Math.max(1, Math.round(lengthS * 50));
    const k = legCounter;
    legCounter += 2;
    active.add(c);
    const done = c.start(senders, params, [startOf(k), startOf(k + 1)], [packets, packets]);
    if (stopping) for (const id of c.legIds) senders.stopLeg(id);
    await done;
    active.delete(c);
    await sleep(HANGUP_GRACE_MS);
    await c.hangup(params);
  };
  const uniform = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

  const t0 = performance.now();
  const begin = nowNs();
  const endNs = begin + BigInt(Math.round(deps.seconds * 1e9));
  // The first N calls are already "in progress": each plays what is left of a random-length call.
  for (let i = 0; i < deps.calls; i++) {
    while (createsInFlight >= deps.createConcurrency) await sleep(2);
    lifecycles.push(launch(Math.max(1, uniform(0, uniform(deps.minCallS, deps.maxCallS)))));
  }
  const createWallMs = performance.now() - t0;
  deps.log(`churn: ${deps.calls} initial calls created in ${Math.round(createWallMs)} ms; arrivals at ${ratePerS.toFixed(1)}/s for ${deps.seconds} s`);

  const windowTask = (async () => {
    await sleepUntil(begin + BigInt(Math.round(deps.warmupS * 1e9)));
    const a = await windowPoint(deps);
    await sleepUntil(endNs);
    const b = await windowPoint(deps);
    return [a, b] as const;
  })();

  let next = performance.now();
  while (nowNs() < endNs) {
    next += (-Math.log(1 - Math.random()) / ratePerS) * 1000;
    await sleep(next - performance.now());
    if (nowNs() >= endNs) break;
    lifecycles.push(launch(uniform(deps.minCallS, deps.maxCallS)));
  }
  const [windowA, windowB] = await windowTask;
  stopping = true;
  const beforeHangups = await deps.beforeHangups();
  deps.log(`churn: ${calls.length} calls so far; stopping the ${active.size} still running`);
  const t1 = performance.now();
  for (const c of active) for (const id of c.legIds) senders.stopLeg(id);
  await withTimeout(Promise.all(lifecycles), 300_000, 'churn calls');
  return { calls, createWallMs, hangupWallMs: performance.now() - t1, windowA, windowB, beforeHangups, createFailures };
}
