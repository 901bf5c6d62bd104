/**
 * Shared by the webhook and hook tests: a webhook receiver (node:http on
 * loopback) that answers each request as a plan says, signature checking
 * as a receiver would do it, the compiled recorder as a child process with
 * extra environment (test/helpers/server.ts passes none), and a short real
 * call (POST /api/sessions, paced RTP on both legs, hangup).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import * as assert from 'uvu/assert';
import { RtpLeg } from '../helpers/rtp-sender.js';
import { MAIN_JS } from '../helpers/server.js';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number | 'hang';
}

export interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/** `answer(n)` for the n-th request (0-based): a status, or 'hang' (never answer). */
export async function startReceiver(answer: (n: number, body: string) => number | 'hang'): Promise<Receiver> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = answer(requests.length, body);
      requests.push({ headers: req.headers, body, status });
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver does: HMAC the raw body with the shared secret, compare in constant time. */
export function signatureValid(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Recorder {
  child: ChildProcess;
  port: number;
  logs: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  exited: Promise<void>;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** `node dist/src/main.js` on loopback, SIP off, one worker; resolves at "callrec ready". */
export async function spawnRecorder(opts: { sessionsDir: string; rtpPorts: string; args?: string[]; env?: Record<string, string> }): Promise<Recorder> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CALLREC_')) env[k] = v;
  const args = [
    MAIN_JS, '--http-port', '0', '--sip-port', '0', '--workers', '1', '--rtp-ports', opts.rtpPorts,
    '--sessions-dir', opts.sessionsDir, ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { env: { ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const logs: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    const lines = (partial + c).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        // not JSON
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => {
    live.delete(child);
    resolve();
  }));
  let gone = false;
  void exited.then(() => (gone = true));
  const ready = await waitFor('"callrec ready"', () => {
    if (gone) throw new Error(`callrec exited before it was ready: ${stderr}`);
    return logs.find((l) => l.msg === 'callrec ready');
  }, 20_000);
  const port = Number(/^127\.0\.0\.1:(\d+)$/.exec(ready.http)?.[1]);
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  };
  return { child, port, logs, exited, request };
}

/** A short call: both legs send `packets` PCMU packets every 20 ms, then hang up; returns the session id. */
export async function recordCall(rec: Recorder, packets = 10): Promise<string> {
  const res = await rec.request('POST', '/api/sessions', { caller_id: '+15550100', called_number: '+15550199' });
  assert.is(res.status, 201, JSON.stringify(res.body));
  const incoming = await RtpLeg.open({ port: res.body.rtp.incoming.port, codec: 'PCMU', seed: 7, packets });
  const outgoing = await RtpLeg.open({ port: res.body.rtp.outgoing.port, codec: 'PCMU', seed: 8, packets });
  await Promise.all([incoming.start(), outgoing.start()]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await Promise.all([incoming.close(), outgoing.close()]);
  const hung = await rec.request('POST', `/api/sessions/${res.body.session_id}/hangup`);
  assert.is(hung.status, 200, JSON.stringify(hung.body));
  return res.body.session_id;
}
