/**
 * The post-processing hook (--on-complete): for each finished recording,
 * run the command with the session directory (absolute) as its last
 * argument, at most `concurrency` at once (the rest wait in order), and keep
 * the outcome in session_info.json and the recording as
 * `on_complete: {state, exit_code, signal, duration_seconds, stderr_tail}`.
 *
 * States: "queued" and "running" while it waits or runs, then "ok" (exit 0),
 * "failed" (non-zero exit, killed by a signal, or could not start: `error`)
 * or "timeout". A run interrupted by a shutdown or a crash is still
 * "queued"/"running" on disk and is run again at the next start (resume()).
 */
import path from 'node:path';
import type { Logger } from '../log.js';
import { updateListedSessionInfo } from '../storage/index.js';
import type { RecordingsIndex, SessionInfo } from '../storage/index.js';
import { CommandRun } from './run-command.js';
import type { CommandResult } from './run-command.js';

export type OnCompleteStatus = { state: 'queued' | 'running' } | (CommandResult & { finished_at: string });

export interface OnCompleteOptions {
  command: readonly string[];
  timeoutSeconds: number;
  concurrency: number;
  sessionsDir: string;
  index: RecordingsIndex;
  log: Logger;
  /** Between SIGTERM and SIGKILL (default 5 s). */
  killGraceMs?: number;
}

export class OnCompleteRunner {
  readonly #opts: OnCompleteOptions;
  readonly #log: Logger;
  readonly #queue: string[] = [];
  readonly #running = new Map<string, CommandRun>();
  /** Metadata writes in progress, for close() to wait on. */
  readonly #writes = new Set<Promise<void>>();
  readonly #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(opts: OnCompleteOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ mod: 'on-complete' });
  }

  /**
   * Run the command for this finished recording: once per call (a session
   * already waiting or running is not queued again), and only for a listed
   * recording (a discarded or deleted one has no directory left).
   */
  enqueue(sessionId: string): void {
    if (this.#closed || this.#running.has(sessionId) || this.#queue.includes(sessionId)) return;
    if (!this.#opts.index.has(sessionId)) return;
    this.#queue.push(sessionId);
    this.#record(sessionId, { state: 'queued' });
    this.#pump();
  }

  /** Queue again the runs a previous process left "queued" or "running"; returns how many. */
  resume(infos: readonly SessionInfo[]): number {
    let n = 0;
    for (const info of infos) {
      const state = (info.on_complete as { state?: unknown } | undefined)?.state;
      if (state === 'queued' || state === 'running') {
        this.enqueue(info.session_id);
        n++;
      }
    }
    if (n > 0) this.#log.info({ sessions: n }, 'resuming on-complete commands interrupted by a restart');
    return n;
  }

  /** Resolves once nothing is queued, running or being recorded (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queue.length > 0 || this.#running.size > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
  }

  /** Start nothing more; stop running commands (SIGTERM, then SIGKILL): they stay "running" on disk and run again at the next start. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    for (const run of this.#running.values()) run.terminate();
    await this.idle();
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#opts.concurrency && this.#queue.length > 0) {
      this.#start(this.#queue.shift() as string);
    }
    if (this.#queue.length === 0 && this.#running.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #start(sessionId: string): void {
    const { command, sessionsDir, timeoutSeconds, killGraceMs } = this.#opts;
    const dir = path.resolve(sessionsDir, sessionId);
    const log = this.#log.child({ session_id: sessionId });
    this.#record(sessionId, { state: 'running' });
    const run = new CommandRun([...command, dir], { timeoutMs: timeoutSeconds * 1000, killGraceMs });
    this.#running.set(sessionId, run);
    log.debug({ command: command[0] }, 'on-complete command started');
    void run.done.then((result) => {
      this.#running.delete(sessionId);
      if (!this.#closed) {
        const fields = { state: result.state, exit_code: result.exit_code, signal: result.signal, duration_seconds: result.duration_seconds };
        if (result.state === 'ok') log.info(fields, 'on-complete command finished');
        else log.warn({ ...fields, error: result.error, stderr_tail: result.stderr_tail }, `on-complete command ${result.state === 'timeout' ? 'timed out' : 'failed'}`);
        this.#record(sessionId, { ...result, finished_at: new Date().toISOString() });
      }
      this.#pump();
    });
  }

  #record(sessionId: string, status: OnCompleteStatus): void {
    const write = updateListedSessionInfo(this.#opts.sessionsDir, this.#opts.index, sessionId, (info) => {
      info.on_complete = status;
    }).then(
      () => {},
      (err: NodeJS.ErrnoException) => {
        // The recording may have been deleted meanwhile.
        this.#log.debug({ session_id: sessionId, code: err.code, err }, 'could not record the on-complete status');
      },
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }
}
