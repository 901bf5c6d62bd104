/**
 * A plain timing loop for micro benches (no dependency): warm up, then
 * `rounds` rounds of at least `minMs` each; report the median ns per op.
 * Each bench file runs its cases on import and prints one line per case,
 * plus a JSON line ("BENCH {…}") that bench/micro/run.ts collects.
 */

export interface BenchResult {
  file: string;
  name: string;
  ns_per_op: number;
  ops_per_s: number;
  rounds: number;
  spread_pct: number;
}

/** Results escape here so the JIT cannot drop the work. */
export let sink = 0;
export function consume(x: number): void {
  sink = (sink + x) | 0;
}

export interface BenchOptions {
  /** Operations done by one call of fn (e.g. packets in a batch). */
  opsPerCall?: number;
  minMs?: number;
  rounds?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function bench(file: string, name: string, fn: () => void, opts: BenchOptions = {}): BenchResult {
  const opsPerCall = opts.opsPerCall ?? 1;
  const minMs = opts.minMs ?? 250;
  const rounds = opts.rounds ?? 7;
  // Warm-up: let the JIT settle.
  const warmEnd = performance.now() + minMs;
  while (performance.now() < warmEnd) for (let i = 0; i < 100; i++) fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < minMs) {
      for (let i = 0; i < 100; i++) fn();
      calls += 100;
      now = performance.now();
    }
    perOp.push(((now - start) * 1e6) / (calls * opsPerCall));
  }
  const ns = median(perOp);
  const result: BenchResult = {
    file,
    name,
    ns_per_op: Math.round(ns * 100) / 100,
    ops_per_s: Math.round(1e9 / ns),
    rounds,
    spread_pct: Math.round(((Math.max(...perOp) - Math.min(...perOp)) / ns) * 1000) / 10,
  };
  process.stdout.write(`${name.padEnd(58)} ${result.ns_per_op.toFixed(2).padStart(10)} ns/op ${String(result.ops_per_s).padStart(12)} ops/s  ±${result.spread_pct}%\n`);
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
  return result;
}

/** An RTP packet: 12-byte header + `payload` G.711 bytes, optional CSRCs and extension words. */
export function rtpPacket(payload = 160, pt = 0, seq = 1, ts = 160, csrc = 0, extWords = 0): Uint8Array {
  const header = 12 + csrc * 4 + (extWords > 0 ? 4 + extWords * 4 : 0);
  const p = new Uint8Array(header + payload);
  p[0] = 0x80 | (extWords > 0 ? 0x10 : 0) | csrc;
  p[1] = pt;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  new DataView(p.buffer).setUint32(4, ts);
  new DataView(p.buffer).setUint32(8, 0x12345678);
  if (extWords > 0) {
    const x = 12 + csrc * 4;
    p[x] = 0xbe;
    p[x + 1] = 0xde;
    p[x + 3] = extWords;
  }
  for (let i = header; i < p.length; i++) p[i] = (i * 37) & 0xff;
  return p;
}
