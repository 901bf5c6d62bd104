/**
 * The recorder under test, as its own process, started the way `npm start`
 * runs it (node + NODE_FLAGS + dist/src/main.js) with a temp sessions dir and port range.
 * Its JSON log goes to a file (a pipe read by the bench would cost the bench
 * CPU); the "callrec ready" line gives the HTTP address.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node-flags.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface RecorderOptions {
  sessionsDir: string;
  rtpPortMin: number;
  rtpPortMax: number;
  workers?: number;
  logLevel: string;
  /** Directory for --cpu-prof output (main thread and worker threads). */
  cpuProfDir?: string;
  logFile: string;
  /** Nice value for every thread of the recorder (via nice(1); below 0 needs root). */
  nice: number;
  /** More node flags for the recorder, e.g. --perf-basic-prof. */
  nodeFlags?: string[];
  /** The recorder's main.js; default: this build's dist/src/main.js. */
  main?: string;
  /** SCHED_RR priority for every thread of the recorder (via chrt(1), root); 0: normal scheduling. */
  rtPriority: number;
  /** The recorder's --rtp-io (auto: its default). */
  rtpIo?: 'auto' | 'native' | 'dgram';
}

export interface RecorderProcess {
  pid: number;
  url: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM (graceful: finalize, write profiles), SIGKILL after timeoutMs. Resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startRecorder(opts: RecorderOptions, readyTimeoutMs = 30_000): Promise<RecorderProcess> {
  const nodeArgs: string[] = [...NODE_FLAGS];
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  nodeArgs.push(...(opts.nodeFlags ?? []));
  const args = [
    ...nodeArgs,
    opts.main ?? MAIN,
    '--http-port', '0',
    '--sip-port', '0',
    '--rtp-ports', `${opts.rtpPortMin}-${opts.rtpPortMax}`,
    '--sessions-dir', opts.sessionsDir,
    '--log-level', opts.logLevel,
  ];
  if (opts.workers !== undefined) args.push('--workers', String(opts.workers));
  if (opts.rtpIo !== undefined) args.push('--rtp-io', opts.rtpIo);
  const logFd = openSync(opts.logFile, 'w');
  // nice(1) and chrt(1) exec node in place: same pid, and every thread node starts inherits the priority.
  const prefix = opts.rtPriority > 0 ? ['chrt', '-r', String(opts.rtPriority)] : [];
  const command = [...prefix, 'nice', '-n', String(opts.nice), process.execPath, ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', logFd, logFd], cwd: path.dirname(opts.sessionsDir) });
  closeSync(logFd);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(exitCode);
    }),
  );

  const deadline = Date.now() + readyTimeoutMs;
  let url: string | null = null;
  while (url === null) {
    if (exitCode !== undefined) throw new Error(`recorder exited (${exitCode}) before ready:\n${readFileSync(opts.logFile, 'utf8').slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('recorder not ready in time');
    }
    await new Promise((r) => setTimeout(r, 50));
    for (const line of readFileSync(opts.logFile, 'utf8').split('\n')) {
      if (!line.includes('callrec ready')) continue;
      try {
        const rec = JSON.parse(line) as { http?: string };
        if (rec.http) url = `http://${rec.http}`;
      } catch {
        // a partial line: read again
      }
    }
  }

  const stop = async (timeoutMs = 120_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { pid: child.pid ?? 0, url, child, logFile: opts.logFile, stop };
}
