/**
 * `npm run bench:finalize [-- --minutes 60 --repeat 5 --cold]`
 *
 * The finalize bench: two leg WAVs of a 60-minute call (8 kHz 16-bit mono,
 * 57.6 MB each) mixed by src/storage/wav-mix.ts mixWavFiles, both
 *   direct  — called in a fresh process, and
 *   worker  — through a Piscina pool running workers/recorder.js `mix`, as
 *             the recorder's finalize does (also a fresh process), and
 *   worker-stereo — the same task also writing the stereo file,
 * each --repeat times. Every measurement runs in its own child process so its
 * peak RSS (VmHWM) is its own. Prints one JSON report: median and all times,
 * peak RSS and its growth over the process's baseline, and whether the mix is
 * exactly floor((a + b) / 2). --cold drops the page cache before each run
 * (root; the legs are otherwise still cached, as right after a call).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../load/machine.js';
import { median, round } from '../load/summary.js';

const SELF = fileURLToPath(import.meta.url);
const WORKER = fileURLToPath(new URL('../../workers/recorder.js', import.meta.url));
const RATE = 8000;
const CHUNK = 1 << 16;

function statusKb(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** A leg: a tone (different per leg) with a 2 s gap every 30 s; `offset` samples of leading silence. */
function writeLeg(file: string, samples: number, freq: number, offset: number): void {
  const fd = openSync(file, 'w');
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + samples * 2, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(samples * 2, 40);
  writeSync(fd, header, 0, 44, 0);
  const chunk = new Int16Array(CHUNK);
  for (let start = 0; start < samples; start += CHUNK) {
    const n = Math.min(CHUNK, samples - start);
    for (let i = 0; i < n; i++) {
      const s = start + i;
      const silent = s < offset || (s - offset) % (30 * RATE) < 2 * RATE;
      chunk[i] = silent ? 0 : Math.round(12000 * Math.sin((2 * Math.PI * freq * s) / RATE));
    }
    writeSync(fd, new Uint8Array(chunk.buffer, 0, n * 2), 0, n * 2, 44 + start * 2);
  }
  closeSync(fd);
}

/** Is `mixed` exactly floor((a + b) / 2) over the longer leg? Streams; returns the first problem or null. */
function verifyMix(a: string, b: string, mixed: string): string | null {
  const fds = [a, b, mixed].map((f) => openSync(f, 'r'));
  try {
    const sizes = fds.map((fd) => Math.floor((fstatSync(fd).size - 44) / 2));
    const total = Math.max(sizes[0], sizes[1]);
    if (sizes[2] !== total) return `mixed has ${sizes[2]} samples, expected ${total}`;
    const bufs = fds.map(() => new Int16Array(CHUNK));
    for (let start = 0; start < total; start += CHUNK) {
      const n = Math.min(CHUNK, total - start);
      const got = fds.map((fd, i) => {
        bufs[i].fill(0);
        const want = Math.max(0, Math.min(n, sizes[i] - start));
        return readSync(fd, new Uint8Array(bufs[i].buffer), 0, want * 2, 44 + start * 2) >> 1;
      });
      for (let j = 0; j < n; j++) {
        const x = j < got[0] ? bufs[0][j] : 0;
        const y = j < got[1] ? bufs[1][j] : 0;
        if (bufs[2][j] !== Math.floor((x + y) / 2)) return `sample ${start + j}: ${bufs[2][j]} != floor((${x} + ${y}) / 2)`;
      }
    }
    return null;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

interface ChildResult {
  mode: string;
  ms: number;
  baselineRssMb: number;
  peakRssMb: number;
}

/** Child side: one mix, timed; prints ChildResult as JSON. */
async function child(mode: string, a: string, b: string, out: string): Promise<void> {
  const baseline = statusKb('VmRSS');
  let ms: number;
  if (mode === 'direct') {
    const { mixWavFiles } = await import('../../src/storage/wav-mix.js');
    const t = performance.now();
    mixWavFiles([a, b], out);
    ms = performance.now() - t;
  } else {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: WORKER, minThreads: 1, maxThreads: 1 });
    // Let the thread start first, as the recorder's pool has long before a call ends.
    const task = (inputs: string[], mixed: string, stereo: string | null) =>
      // `output` is the older name of `mixedPath`: either version of the worker reads its own.
      pool.run({ inputs, mixedPath: mixed, output: mixed, stereoPath: stereo }, { name: 'mix' }) as Promise<{ ok: boolean; message?: string }>;
    await task([], path.join(path.dirname(out), 'warm.wav'), null).catch(() => undefined);
    const t = performance.now();
    const result = await task([a, b], out, mode === 'worker-stereo' ? `${out}.stereo.wav` : null);
    ms = performance.now() - t;
    await pool.close();
    if (!result.ok) throw new Error(`mix task failed: ${result.message}`);
  }
  const r: ChildResult = { mode, ms, baselineRssMb: baseline / 1024, peakRssMb: statusKb('VmHWM') / 1024 };
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function dropCaches(): void {
  try {
    spawnSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch (err) {
    throw new Error(`--cold needs root (drop_caches): ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1], argv[2], argv[3], argv[4]);
    return;
  }
  let minutes = 60;
  let repeat = 5;
  let cold = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--minutes') minutes = Number(argv[++i]);
    else if (argv[i] === '--repeat') repeat = Number(argv[++i]);
    else if (argv[i] === '--cold') cold = true;
    else throw new Error(`unknown flag ${argv[i]} (--minutes M, --repeat R, --cold)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callrec-finalize-'));
  try {
    const samples = Math.round(minutes * 60 * RATE);
    const a = path.join(dir, 'incoming.wav');
    const b = path.join(dir, 'outgoing.wav');
    const t = performance.now();
    writeLeg(a, samples, 440, 0);
    writeLeg(b, samples - 3 * RATE, 697, 1234); // legs of different lengths, like a real call
    process.stderr.write(`[finalize] wrote two ${minutes}-minute legs in ${Math.round(performance.now() - t)} ms\n`);
    const modes = ['direct', 'worker', 'worker-stereo'];
    const results: Record<string, ChildResult[]> = { direct: [], worker: [], 'worker-stereo': [] };
    let verified: string | null = 'not checked';
    for (let i = 0; i < repeat; i++) {
      for (const mode of modes) {
        const out = path.join(dir, `mixed-${mode}.wav`);
        rmSync(out, { force: true });
        rmSync(`${out}.stereo.wav`, { force: true });
        if (cold) dropCaches();
        const r = spawnSync(process.execPath, [SELF, '--child', mode, a, b, out], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${mode} child failed: ${r.stderr}`);
        const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
        results[mode].push(result);
        process.stderr.write(`[finalize] ${mode} run ${i + 1}: ${Math.round(result.ms)} ms, peak RSS ${round(result.peakRssMb, 1)} MB\n`);
        if (i === 0 && mode === 'direct') verified = verifyMix(a, b, out);
      }
    }
    const summarize = (rs: ChildResult[]) => ({
      median_ms: round(median(rs.map((r) => r.ms)), 1),
      runs_ms: rs.map((r) => round(r.ms, 1)),
      peak_rss_mb: round(median(rs.map((r) => r.peakRssMb)), 1),
      baseline_rss_mb: round(median(rs.map((r) => r.baselineRssMb)), 1),
      rss_growth_mb: round(median(rs.map((r) => r.peakRssMb - r.baselineRssMb)), 1),
    });
    const report = {
      bench: 'callrec finalize (mix)',
      at: new Date().toISOString(),
      machine: machineInfo(),
      leg_minutes: minutes,
      leg_bytes: [44 + samples * 2, 44 + (samples - 3 * RATE) * 2],
      page_cache: cold ? 'dropped before each run' : 'warm (legs just written)',
      repeat,
      direct: summarize(results.direct),
      worker: summarize(results.worker),
      // The same task writing the stereo file too (one pass), when the recorder is asked for it.
      worker_with_stereo: summarize(results['worker-stereo']),
      mix_exact: verified === null,
      mix_problem: verified,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`finalize bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
