/**
 * Helpers for the API tests: finished recordings written straight to disk
 * (session_info.json + small WAV files, as callrec writes them), raw HTTP
 * requests whose path no client normalises (`..`, `%2e%2e`, `%2f`, `%00`),
 * and a Prometheus text reader. Servers come from ../helpers/server.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface FakeRecording {
  id: string;
  callerId?: string;
  calledNumber?: string;
  /** ISO start time (UTC). */
  start: string;
  durationSeconds?: number;
  /** Audio keys (without `_audio`) → data bytes after the 44-byte header. */
  legs?: Record<string, number>;
  /** No end_time: a call a crash interrupted (recovered at start-up). */
  unfinished?: boolean;
  /** Replace fields of session_info.json (e.g. a hostile `files` map). */
  override?: Record<string, unknown>;
}

function stamp(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A canonical 8 kHz 16-bit mono WAV whose data byte i is (i * 7 + seed) & 0xff: every offset is checkable. */
export function wavBytes(dataBytes: number, seed = 0): Buffer {
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < dataBytes; i++) out[44 + i] = (i * 7 + seed) & 0xff;
  return out;
}

/** Write one session directory; returns its session_info.json object. */
export function writeRecording(sessionsDir: string, r: FakeRecording): Record<string, unknown> {
  const dir = path.join(sessionsDir, r.id);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  const fileBytes: Record<string, number> = {};
  let seed = 1;
  for (const [leg, bytes] of Object.entries(r.legs ?? { incoming: 1600, outgoing: 1600, mixed: 1600 })) {
    const name = `${leg}_${stamp(r.start)}.wav`;
    const data = wavBytes(bytes, seed++);
    writeFileSync(path.join(dir, name), data);
    files[`${leg}_audio`] = name;
    fileBytes[`${leg}_audio`] = data.length;
  }
  const duration = r.durationSeconds ?? 10;
  const info: Record<string, unknown> = {
    session_id: r.id,
    caller_id: r.callerId ?? '+15551234567',
    called_number: r.calledNumber ?? '+15559876543',
    start_time: r.start,
    status: r.unfinished ? 'recording' : 'completed',
    source: 'http',
    files,
  };
  if (!r.unfinished) {
    info.end_time = new Date(Date.parse(r.start) + duration * 1000).toISOString();
    info.duration_seconds = duration;
    info.file_bytes = fileBytes;
  }
  Object.assign(info, r.override);
  writeFileSync(path.join(dir, 'session_info.json'), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a socket: the request
 * target is sent exactly as given (no client resolves `..` or decodes `%2f`).
 */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`raw ${method} ${target}: timeout`)));
    socket.on('data', (c) => chunks.push(c));
    // A server may reset a connection it answered early (e.g. 413 before the body): the answer counts.
    socket.on('error', (err) => {
      if (chunks.length === 0) reject(err);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`raw ${method} ${target}: no HTTP answer: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const out: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = text.slice(split + 4);
      if (out['transfer-encoding'] === 'chunked') body = unchunk(body);
      resolve({ status: Number(statusLine.split(' ')[1]), headers: out, body });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`, 'latin1');
  });
}

function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return out;
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** The value of one sample in Prometheus text, e.g. `callrec_active_calls` or `x_total{leg="incoming"}`. */
export function metricValue(text: string, sample: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (line.slice(0, space) === sample) return Number(line.slice(space + 1));
  }
  return undefined;
}

/** ISO time `days` days ago. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString();
}
