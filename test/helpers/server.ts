/**
 * The real recorder as a child process, started as `npm start` does (node +
 * NODE_FLAGS + dist/src/main.js) on loopback,
 * SIP off, its own sessions directory and RTP port range. startServer()
 * resolves once the "callrec ready" log line names the HTTP port; stop()
 * sends a signal and waits for the exit. Every process started here is
 * SIGKILLed by killServers() (call it in teardown) and at process exit, so a
 * failing test never leaves a recorder behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { waitUntilFound } from './wait.js';

export const MAIN_JS = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Environment without CALLREC_* variables, so only the flags we pass count. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CALLREC_')) env[key] = value;
  return { ...env, ...extra };
}

function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first`);
}

/** Another way to start the recorder, e.g. `npm start --` in an install directory. */
export interface Launch {
  command: readonly string[];
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly args: readonly string[];
  /** Every stdout line that parsed as JSON (pino). */
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  port = 0;
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;
  #partial = '';
  readonly #waiters = new Set<() => void>();

  /**
   * `env`: extra environment variables (e.g. CALLREC_TEST_* hooks), merged over the clean environment.
   * `launch`: how to start it, by default node + NODE_FLAGS + dist/src/main.js; `args` follow.
   */
  constructor(args: readonly string[], cwd: string | undefined, env: Record<string, string> = {}, launch?: Launch) {
    assertBuilt();
    // `npm test` runs the RTP suites once per receive path (scripts/test.mjs).
    const io = process.env.CALLREC_TEST_RTP_IO;
    if (io !== undefined && !args.includes('--rtp-io')) args = [...args, '--rtp-io', io];
    this.args = args;
    const [command, ...prefix] = launch?.command ?? [process.execPath, ...NODE_FLAGS, MAIN_JS];
    this.child = spawn(command, [...prefix, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.#onStdout(chunk));
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        this.exit = { code, signal };
        this.#wake();
        resolve(this.exit);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Wait for a log line matching `predicate` (already logged or to come). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return waitUntilFound(
      this.#waiters,
      () => this.logs.find(predicate),
      timeoutMs,
      () => new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${this.stdout.split('\n').slice(-5).join('\n')}`),
      () => (this.exit === null ? null : new Error(`callrec exited (${JSON.stringify(this.exit)}) before the awaited log line; stderr: ${this.stderr.trim()}`)),
    );
  }

  /** One HTTP request; a JSON body is sent as application/json unless it is already a string. */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(30_000) };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  /** Send `signal` and wait for the exit; SIGKILL and throw after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<Exit> {
    if (this.exit !== null) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`callrec did not exit within ${timeoutMs} ms of ${signal}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Immediate SIGKILL (teardown). */
  kill(): void {
    if (this.exit === null) this.child.kill('SIGKILL');
  }

  #onStdout(chunk: string): void {
    this.stdout += chunk;
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line: kept in `stdout` only
      }
    }
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

export interface ServerOptions {
  sessionsDir: string;
  /** "A-B", a range of this test file's own. */
  rtpPorts: string;
  workers?: number;
  rtpTimeoutSeconds?: number;
  /** More flags, appended last. */
  args?: readonly string[];
  cwd?: string;
  readyTimeoutMs?: number;
  /** Extra environment variables for the server (e.g. CALLREC_TEST_SLOW_PACKET_MS). */
  env?: Record<string, string>;
  /** Start it another way than node + dist/src/main.js (the flags above are appended). */
  launch?: Launch;
}

const servers = new Set<ServerProcess>();

/** Start callrec and wait until it is ready (the "callrec ready" line, then /healthz 200). */
export async function startServer(opts: ServerOptions): Promise<ServerProcess> {
  const args = [
    '--http-host', '127.0.0.1',
    '--http-port', '0',
    '--rtp-host', '127.0.0.1',
    '--sip-port', '0',
    '--rtp-ports', opts.rtpPorts,
    '--sessions-dir', opts.sessionsDir,
    '--workers', String(opts.workers ?? 1),
    '--rtp-timeout', String(opts.rtpTimeoutSeconds ?? 60),
    '--log-level', 'info',
    ...(opts.args ?? []),
  ];
  const server = new ServerProcess(args, opts.cwd, opts.env, opts.launch);
  servers.add(server);
  const ready = await server.waitForLog((l) => l.msg === 'callrec ready', opts.readyTimeoutMs ?? 15_000);
  const match = /^127\.0\.0\.1:(\d+)$/.exec(String(ready.http));
  if (match === null) throw new Error(`"callrec ready" without an http field of 127.0.0.1:PORT: ${JSON.stringify(ready)}`);
  server.port = Number(match[1]);
  const health = await server.request('GET', '/healthz');
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after "callrec ready"`);
  return server;
}

/** SIGKILL every server this file started that is still running (teardown). */
export function killServers(): void {
  for (const server of servers) server.kill();
  servers.clear();
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Run callrec with `args` (and `env` over a clean environment) to its exit (for bad-configuration runs); SIGKILL after `timeoutMs`. */
export function runCli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, MAIN_JS, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`callrec ${args.join(' ')} still running after ${opts.timeoutMs ?? 10_000} ms; stdout: ${stdout}`));
    }, opts.timeoutMs ?? 10_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
