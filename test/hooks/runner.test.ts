/**
 * OnCompleteRunner on its own: a failing command (exit 3, stderr kept), a
 * timeout (SIGTERM, then SIGKILL for a command that ignores it), a command
 * that cannot start (ENOENT), the stderr tail bound, the concurrency limit,
 * and resuming runs a restart interrupted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OnCompleteRunner } from '../../src/hooks/index.js';
import type { OnCompleteOptions } from '../../src/hooks/index.js';
import { createLogger } from '../../src/log.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import type { SessionInfo } from '../../src/storage/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readInfoFile } from '../helpers/session-info.js';

const log = createLogger('silent');
const NODE = process.execPath;

test.after(() => removeTempDirs());

function setup(command: string[], opts: Partial<OnCompleteOptions> = {}) {
  const sessionsDir = makeTempDir('hooks');
  const index = new RecordingsIndex(sessionsDir);
  const runner = new OnCompleteRunner({ command, timeoutSeconds: 10, concurrency: 2, sessionsDir, index, log, ...opts });
  const add = (id: string, extra: Record<string, unknown> = {}): SessionInfo => {
    const info: SessionInfo = {
      session_id: id, caller_id: '1', called_number: '2', start_time: new Date().toISOString(), end_time: new Date().toISOString(),
      duration_seconds: 1, status: 'completed', files: {}, ...extra,
    };
    mkdirSync(path.join(sessionsDir, id));
    writeFileSync(path.join(sessionsDir, id, 'session_info.json'), JSON.stringify(info));
    index.add(info);
    return info;
  };
  const result = (id: string) => readInfoFile(sessionsDir, id).on_complete;
  return { sessionsDir, index, runner, add, result };
}

test('a failing command: exit 3, its stderr tail, state "failed" on disk and in the index', async () => {
  const { runner, add, result, index, sessionsDir } = setup([NODE, '-e', 'process.stderr.write("x".repeat(5000) + "bad input: " + process.argv[1]); process.exit(3)']);
  add('fail-1');
  runner.enqueue('fail-1');
  await runner.idle();
  const r = result('fail-1');
  assert.is(r.state, 'failed');
  assert.is(r.exit_code, 3);
  assert.is(r.signal, null);
  assert.is(Buffer.byteLength(r.stderr_tail), 2048);
  assert.ok(r.stderr_tail.endsWith(`bad input: ${path.resolve(sessionsDir, 'fail-1')}`), 'the session directory (absolute) is the last argument');
  assert.type(r.duration_seconds, 'number');
  assert.equal((index.get('fail-1') as { on_complete?: unknown }).on_complete, r);
});

test('a timeout: SIGTERM at the deadline, SIGKILL after the grace for a command that ignores it', async () => {
  const { runner, add, result } = setup(
    [NODE, '-e', 'process.on("SIGTERM", () => process.stderr.write("ignoring SIGTERM\\n")); process.stderr.write("started\\n"); setInterval(() => {}, 1000)'],
    { timeoutSeconds: 0.4, killGraceMs: 300 },
  );
  add('slow-1');
  const started = Date.now();
  runner.enqueue('slow-1');
  await runner.idle();
  const elapsed = Date.now() - started;
  const r = result('slow-1');
  assert.is(r.state, 'timeout');
  assert.is(r.exit_code, null);
  assert.is(r.signal, 'SIGKILL');
  assert.match(r.stderr_tail, /started\nignoring SIGTERM/);
  assert.ok(elapsed >= 650 && elapsed < 5000, `${elapsed} ms`);
});

test('a command that cannot start is recorded, not thrown', async () => {
  const { runner, add, result } = setup(['/nonexistent/callrec-hook']);
  add('enoent-1');
  runner.enqueue('enoent-1');
  await runner.idle();
  const r = result('enoent-1');
  assert.is(r.state, 'failed');
  assert.is(r.exit_code, null);
  assert.match(r.error, /ENOENT/);
});

test('at most `concurrency` commands at once; the rest wait in order', async () => {
  const script = 'const fs = require("fs"); const log = require("path").join(process.argv[1], "..", "runs.log");'
    + 'fs.appendFileSync(log, "start " + process.argv[1].slice(-1) + "\\n");'
    + 'setTimeout(() => fs.appendFileSync(log, "end " + process.argv[1].slice(-1) + "\\n"), 150)';
  const { runner, add, result, sessionsDir } = setup([NODE, '-e', script], { concurrency: 1 });
  for (const id of ['c-1', 'c-2', 'c-3']) {
    add(id);
    runner.enqueue(id);
  }
  runner.enqueue('c-1'); // already queued: not twice
  await runner.idle();
  const runs = readFileSync(path.join(sessionsDir, 'runs.log'), 'utf8').trim().split('\n');
  assert.equal(runs, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  for (const id of ['c-1', 'c-2', 'c-3']) assert.is(result(id).state, 'ok');
});

test('resume() runs again what a restart left "queued" or "running", and nothing else', async () => {
  const { runner, add, result } = setup([NODE, '-e', '']);
  const infos = [
    add('r-queued', { on_complete: { state: 'queued' } }),
    add('r-running', { on_complete: { state: 'running' } }),
    add('r-done', { on_complete: { state: 'failed', exit_code: 1 } }),
    add('r-none'),
  ];
  assert.is(runner.resume(infos), 2);
  await runner.idle();
  assert.is(result('r-queued').state, 'ok');
  assert.is(result('r-running').state, 'ok');
  assert.is(result('r-done').state, 'failed');
  assert.is(result('r-none'), undefined);
});

test.run();
