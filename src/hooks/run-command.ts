/**
 * One run of the post-processing command: spawned without a shell in a
 * process group of its own (so a timeout also stops what it started),
 * stdout discarded, the last 2 KiB of stderr kept. After the timeout the
 * group gets SIGTERM, then SIGKILL 5 s later. Never throws: a command that
 * cannot be started (ENOENT, EACCES) is a "failed" result with `error`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { TailBuffer } from './stderr-tail.js';

export interface CommandResult {
  state: 'ok' | 'failed' | 'timeout';
  exit_code: number | null;
  signal: string | null;
  duration_seconds: number;
  stderr_tail: string;
  /** Why the command could not be started. */
  error?: string;
}

export interface RunOptions {
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL (default 5 s). */
  killGraceMs?: number;
  /** Bytes of stderr kept (default 2048). */
  tailBytes?: number;
}

/** After the command exits, its stderr gets this long to reach end of file (a grandchild may hold it open). */
const STDERR_DRAIN_MS = 1000;

export class CommandRun {
  readonly done: Promise<CommandResult>;
  #child: ChildProcess | null = null;
  #timedOut = false;
  #settled = false;
  #timers: NodeJS.Timeout[] = [];
  readonly #killGraceMs: number;

  constructor(argv: readonly string[], opts: RunOptions) {
    this.#killGraceMs = opts.killGraceMs ?? 5000;
    this.done = new Promise((resolve) => this.#run(argv, opts, resolve));
  }

  /** SIGTERM now, SIGKILL after the grace (timeout and shutdown). */
  terminate(): void {
    if (this.#settled) return;
    this.#signal('SIGTERM');
    this.#timers.push(setTimeout(() => this.#signal('SIGKILL'), this.#killGraceMs));
  }

  #run(argv: readonly string[], opts: RunOptions, resolve: (r: CommandResult) => void): void {
    const started = performance.now();
    const tail = new TailBuffer(opts.tailBytes ?? 2048);
    const finish = (r: Omit<CommandResult, 'duration_seconds' | 'stderr_tail'>) => {
      if (this.#settled) return;
      this.#settled = true;
      for (const t of this.#timers) clearTimeout(t);
      const seconds = Math.round((performance.now() - started) / 10) / 100;
      resolve({ ...r, duration_seconds: seconds, stderr_tail: tail.toString() });
    };
    const failedToStart = (err: NodeJS.ErrnoException) =>
      finish({ state: 'failed', exit_code: null, signal: null, error: err.code !== undefined ? `${err.code}: ${err.message}` : err.message });

    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true, shell: false, windowsHide: true });
    } catch (err) {
      failedToStart(err as NodeJS.ErrnoException);
      return;
    }
    this.#child = child;
    child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));
    child.stderr?.on('error', () => {});
    child.once('error', (err) => {
      if (child.pid === undefined) failedToStart(err);
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const report = () => {
      if (exit === null) return;
      const state = this.#timedOut ? 'timeout' : exit.code === 0 ? 'ok' : 'failed';
      finish({ state, exit_code: exit.code, signal: exit.signal });
    };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      this.#timers.push(setTimeout(report, STDERR_DRAIN_MS));
    });
    child.once('close', report);
    this.#timers.push(
      setTimeout(() => {
        this.#timedOut = true;
        this.terminate();
      }, opts.timeoutMs),
    );
  }

  #signal(sig: NodeJS.Signals): void {
    const child = this.#child;
    if (child === null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  }
}
