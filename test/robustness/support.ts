/**
 * Shared by the robustness tests: what the kernel and the server process say
 * about themselves (per-socket UDP drops, RSS), /healthz timing, and WAV
 * headers checked the way a player would open a file a crash left behind
 * (the header may state less than the file holds, never more).
 */
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as assert from 'uvu/assert';
import type { ServerProcess } from '../helpers/server.js';
import { WAV_HEADER_BYTES, assertPcm16Header, parseWavHeader } from '../helpers/wav.js';

export type Stats = {
  packets: number;
  bytes: number;
  recorded: number;
  lost: number;
  duplicates: number;
  late: number;
  dropped: {
    ring_full: number;
    wrong_source: number;
    malformed: number;
    unknown_payload_type: number;
    before_start: number;
    too_late: number;
  };
  telephone_events: number;
  comfort_noise: number;
  reanchored: number;
  ssrc_changes: number;
  write_errors: number;
};

/**
 * Datagrams the kernel dropped on the UDP socket bound to 127.0.0.1:`port`
 * (its receive buffer was full), from /proc/net/udp's `drops` column; null
 * when no such socket is open.
 */
export function udpSocketDrops(port: number): number | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols[cols.length - 1]);
  }
  return null;
}

/** Resident set size of a process in bytes (/proc/<pid>/status VmRSS). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m !== null, `no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** One GET /healthz: its status and how long it took (ms). */
export async function timeHealthz(server: ServerProcess): Promise<{ status: number; ms: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const t0 = performance.now();
  const res = await server.request('GET', '/healthz');
  return { status: res.status, ms: performance.now() - t0, body: res.body };
}

/**
 * Poll /healthz every `everyMs` until stop() is called; stop() resolves with
 * every answer (a request that throws counts as status 0).
 */
export function pollHealthz(server: ServerProcess, everyMs: number): { stop: () => Promise<{ status: number; ms: number }[]> } {
  const answers: { status: number; ms: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const { status, ms } = await timeHealthz(server);
        answers.push({ status, ms });
      } catch {
        answers.push({ status: 0, ms: performance.now() - t0 });
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

/** The active session `id` as GET /api/sessions shows it, or undefined. */
export async function activeSession(server: ServerProcess, id: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  let res;
  try {
    res = await server.request('GET', '/api/sessions');
  } catch (err) {
    const state = server.exit === null ? 'still running' : `exited ${JSON.stringify(server.exit)}`;
    throw new Error(`GET /api/sessions failed (${(err as Error).message}); callrec ${state}; stderr: ${server.stderr.slice(-2000)}`);
  }
  assert.is(res.status, 200, `GET /api/sessions: ${res.status} ${res.text}`);
  return (res.body.sessions as { session_id: string }[]).find((s) => s.session_id === id);
}

/** Wait until `check` is true (polled every `everyMs`), or fail with `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) assert.unreachable(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface LooseWav {
  /** Data bytes the header states. */
  headerDataBytes: number;
  /** Bytes after the 44-byte header actually in the file. */
  fileDataBytes: number;
  /** Every sample in the file after the header (up to an even byte count), whatever the header states. */
  samples: Int16Array;
}

/**
 * A WAV file as a crash may leave it: the canonical 44-byte PCM 8 kHz
 * 16-bit mono header, a data size that is even and not beyond the end of the
 * file (a player must never be told to read past it), a RIFF size consistent
 * with that data size.
 */
export function readWavLoosely(file: string): LooseWav {
  const bytes = readFileSync(file);
  assert.ok(bytes.length >= WAV_HEADER_BYTES, `${file}: ${bytes.length} bytes, shorter than a WAV header`);
  const h = parseWavHeader(bytes);
  const where = `${file} header`;
  assertPcm16Header(h, where);
  const fileDataBytes = bytes.length - WAV_HEADER_BYTES;
  assert.is(h.dataBytes % 2, 0, `${where}: data size ${h.dataBytes} is odd`);
  assert.ok(h.dataBytes <= fileDataBytes, `${where}: states ${h.dataBytes} data bytes, the file holds only ${fileDataBytes} after the header`);
  assert.is(h.riffSize, h.dataBytes + 36, `${where}: RIFF size = data size + 36`);
  const even = fileDataBytes & ~1;
  const samples = new Int16Array(even / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(WAV_HEADER_BYTES + 2 * i);
  return { headerDataBytes: h.dataBytes, fileDataBytes, samples };
}

export function fileSize(file: string): number {
  return statSync(file).size;
}

/** Every log line of `server` at error level (pino 50) or above. */
export function errorLogs(server: ServerProcess): string[] {
  return server.logs.filter((l) => l.level >= 50).map((l) => JSON.stringify(l));
}
