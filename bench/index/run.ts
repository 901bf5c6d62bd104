/**
 * Recordings index at scale (issue 5): writes N finished session directories
 * (session_info.json only, the size callrec writes, stats included) into a
 * temp dir, then times what start-up does (scanSessionsDir + index.addAll)
 * and what a listing does (a filtered, paged query), both on the index
 * directly and through the real Koa app over HTTP (JSON included).
 *
 *   npm run build && node dist/bench/index/run.js [--count 100000] [--runs 200] [--dir DIR] [--keep]
 *
 * Prints one JSON report. The page cache is warm (the files were just
 * written): a cold start after a reboot reads the disk and is slower.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApp } from '../../src/api/index.js';
import type { AppDeps } from '../../src/api/index.js';
import { RecordingsIndex, isoMicros, scanSessionsDir } from '../../src/storage/index.js';
import type { RecordingQuery, SessionInfo } from '../../src/storage/index.js';
import { mulberry32 } from '../prng.js';

const CALLERS = 1000;
const CALLED = 50;
const SPAN_DAYS = 365;
const WRITE_CONCURRENCY = 64;


const caller = (i: number) => `+1555${String(i).padStart(7, '0')}`;
const called = (i: number) => `+1800${String(i).padStart(7, '0')}`;

function legStats(rand: () => number) {
  const packets = Math.floor(rand() * 15000) + 500;
  return {
    packets,
    bytes: packets * 172,
    recorded: packets,
    lost: Math.floor(rand() * 5),
    duplicates: 0,
    late: 0,
    dropped: { ring_full: 0, wrong_source: 0, malformed: 0, unknown_payload_type: 0, before_start: 0, too_late: 0 },
    telephone_events: 0,
    comfort_noise: 0,
    reanchored: 0,
    ssrc_changes: 0,
    write_errors: 0,
  };
}

function sessionInfo(i: number, nowMs: number, rand: () => number): SessionInfo {
  const startMs = nowMs - rand() * SPAN_DAYS * 86_400_000;
  const duration = Math.round((30 + rand() * 600) * 100) / 100;
  const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const bytes = 44 + Math.round(duration * 16000);
  return {
    session_id: `bench-${String(i).padStart(6, '0')}-${Math.floor(rand() * 1e9).toString(36)}`,
    caller_id: caller(Math.floor(rand() * CALLERS)),
    called_number: called(Math.floor(rand() * CALLED)),
    start_time: isoMicros(startMs),
    end_time: isoMicros(startMs + duration * 1000),
    duration_seconds: duration,
    status: 'completed',
    source: 'http',
    files: {
      incoming_audio: `incoming_${stamp}.wav`,
      outgoing_audio: `outgoing_${stamp}.wav`,
      mixed_audio: `mixed_${stamp}.wav`,
    },
    file_bytes: { incoming_audio: bytes, outgoing_audio: bytes, mixed_audio: bytes },
    stats: { incoming: legStats(rand), outgoing: legStats(rand) },
  };
}

async function writeSessions(dir: string, count: number): Promise<{ infos: SessionInfo[]; bytes: number }> {
  const rand = mulberry32(0xca11);
  const now = Date.now();
  const infos = Array.from({ length: count }, (_, i) => sessionInfo(i, now, rand));
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < infos.length) {
      const info = infos[next++];
      const sessionDir = path.join(dir, info.session_id);
      await mkdir(sessionDir);
      const text = `${JSON.stringify(info, null, 2)}\n`;
      bytes += text.length;
      await writeFile(path.join(sessionDir, 'session_info.json'), text);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  return { infos, bytes };
}

function stats(samplesMs: number[]): { median_ms: number; p95_ms: number; max_ms: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { median_ms: r(at(0.5)), p95_ms: r(at(0.95)), max_ms: r(s[s.length - 1]) };
}

function timeQuery(index: RecordingsIndex, q: RecordingQuery, runs: number) {
  let result = index.query(q);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = index.query(q);
    samples.push(performance.now() - t0);
  }
  return { total: result.total, returned: result.recordings.length, ...stats(samples) };
}

function getJson(port: number, target: string): Promise<{ ms: number; total: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: target, agent: keepAlive }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode !== 200) return reject(new Error(`${target}: ${res.statusCode} ${body}`));
          resolve({ ms: performance.now() - t0, total: JSON.parse(body.toString()).total_recordings, bytes: body.length });
        });
      })
      .on('error', reject);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function timeHttp(port: number, target: string, runs: number) {
  let last = await getJson(port, target);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    last = await getJson(port, target);
    samples.push(last.ms);
  }
  return { target, total: last.total, response_bytes: last.bytes, ...stats(samples) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '100000' }, runs: { type: 'string', default: '200' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false } },
  });
  const count = Number(values.count);
  const runs = Number(values.runs);
  const dir = values.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'callrec-bench-index-')));
  await mkdir(dir, { recursive: true });
  try {
    const tw = performance.now();
    const written = await writeSessions(dir, count);
    const writeMs = performance.now() - tw;
    const sample = written.infos[Math.floor(count / 2)];
    written.infos.length = 0;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const scan = await scanSessionsDir(dir);
    const t1 = performance.now();
    const index = new RecordingsIndex(dir);
    index.addAll(scan.finished);
    const t2 = performance.now();
    const scanned = scan.finished.length;
    scan.finished.length = 0;
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;

    // A month's window around the middle of the year, one caller, one called number.
    const fromMs = Date.parse(sample.start_time) - 15 * 86_400_000;
    const toMs = fromMs + 30 * 86_400_000;
    const queries: Record<string, RecordingQuery> = {
      first_page: { limit: 100, offset: 0 },
      caller_page_2: { limit: 50, offset: 50, callerId: sample.caller_id },
      called_window_page_3: { limit: 50, offset: 100, calledNumber: sample.called_number, fromMs, toMs },
      caller_and_window: { limit: 100, offset: 0, callerId: sample.caller_id, fromMs, toMs },
      last_page: { limit: 100, offset: count - 100 },
    };
    const direct: Record<string, unknown> = {};
    for (const [name, q] of Object.entries(queries)) direct[name] = timeQuery(index, q, runs);

    // Single-entry updates at this size (a call finishing; a DELETE or retention).
    const extra = { ...sample, session_id: 'bench-extra', start_time: isoMicros(Date.now()) };
    const ta = performance.now();
    index.add(extra);
    const addMs = performance.now() - ta;
    const tr = performance.now();
    index.remove(sample.session_id);
    const removeMs = performance.now() - tr;

    // Through the real app (routing, validation, Recording objects, JSON) over loopback HTTP.
    const log = pino({ level: 'silent' });
    const fakes = {
      registry: { size: 0, list: () => [], get: () => undefined, onFinalized: () => {} },
      pool: { ringStats: () => [], state: () => ({ threads: 0, drainLoops: 0, queued: 0 }) },
    };
    const app = createApp({ ...fakes, index, sessionsDir: dir, log } as unknown as AppDeps);
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const enc = encodeURIComponent;
    const overHttp = [
      await timeHttp(port, '/api/recordings?limit=100', runs),
      await timeHttp(port, `/api/recordings?caller_id=${enc(sample.caller_id)}&limit=50&offset=50`, runs),
      await timeHttp(
        port,
        `/api/recordings?called_number=${enc(sample.called_number)}&from=${enc(new Date(fromMs).toISOString())}&to=${enc(new Date(toMs).toISOString())}&limit=50&offset=100`,
        runs,
      ),
    ];
    server.close();
    keepAlive.destroy();

    const r = (x: number) => Math.round(x);
    process.stdout.write(
      `${JSON.stringify(
        {
          recordings: count,
          indexed: scanned,
          unreadable: scan.unreadable.length,
          machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
          write_ms: r(writeMs),
          metadata_bytes: written.bytes,
          startup: { scan_ms: r(t1 - t0), add_all_ms: r(t2 - t1), total_ms: r(t2 - t0), heap_mb: Math.round((heapAfter - heapBefore) / 1048576) },
          query_direct: direct,
          query_http: overHttp,
          single_add_ms: Math.round(addMs * 1000) / 1000,
          single_remove_ms: Math.round(removeMs * 1000) / 1000,
          runs,
          heap_note: global.gc === undefined ? 'run with node --expose-gc for a steadier heap_mb' : undefined,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    if (!values.keep && values.dir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
