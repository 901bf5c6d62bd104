/**
 * --retention-days (SPEC §6): finished recordings whose start_time is older
 * than that are deleted at start-up and on a timer, each deletion logged
 * with its session_id; recent ones stay; an active call is never deleted.
 * First over a real server started on a directory of old and new
 * recordings, then RetentionSweeper in-process with a fake clock.
 * RTP ports 50400-50499.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordingDeleter, RetentionSweeper } from '../../src/retention/index.js';
import { RecordingsIndex, readSessionInfo } from '../../src/storage/index.js';
import { sleep } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { daysAgo, writeRecording } from './support.js';

const DAY = 86_400_000;

test.after(() => {
  killServers();
  removeTempDirs();
});

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

test('a server with --retention-days 30 deletes at start-up what started over 30 days ago, and only that', async () => {
  const sessionsDir = path.join(makeTempDir('api-retention'), 'sessions');
  mkdirSync(sessionsDir);
  const old = ['old-400d', 'old-40d', 'old-31d'];
  const recent = ['new-29d', 'new-1d', 'new-now'];
  writeRecording(sessionsDir, { id: 'old-400d', start: daysAgo(400) });
  writeRecording(sessionsDir, { id: 'old-40d', start: daysAgo(40) });
  writeRecording(sessionsDir, { id: 'old-31d', start: daysAgo(31), durationSeconds: 2 * DAY / 1000 }); // ended 29 days ago: start counts
  writeRecording(sessionsDir, { id: 'new-29d', start: daysAgo(29) });
  writeRecording(sessionsDir, { id: 'new-1d', start: daysAgo(1) });
  writeRecording(sessionsDir, { id: 'new-now', start: new Date().toISOString() });

  const server: ServerProcess = await startServer({ sessionsDir, rtpPorts: '50400-50449', args: ['--retention-days', '30'] });
  const summary = await server.waitForLog((l) => /^retention: deleted/.test(l.msg));
  assert.is(summary.deleted, 3);
  assert.is(summary.failed, 0);
  assert.is(summary.retention_days, 30);

  for (const id of old) {
    assert.not.ok(existsSync(path.join(sessionsDir, id)), `${id} deleted`);
    const line = server.logs.find((l) => l.session_id === id && /Deleted recording/.test(l.msg));
    assert.ok(line, `${id}: deletion logged with its session_id`);
    assert.is(line!.reason, 'retention');
    assert.type(line!.start_time, 'string');
  }
  for (const id of recent) assert.ok(existsSync(path.join(sessionsDir, id, 'session_info.json')), `${id} kept`);
  const list = await server.request('GET', '/api/recordings');
  assert.equal(list.body.recordings.map((r: { session_id: string }) => r.session_id).sort(), [...recent].sort());
  assert.equal(
    server.logs.filter((l) => /Deleted recording/.test(l.msg)).map((l) => l.session_id).sort(),
    [...old].sort(),
    'nothing else was deleted',
  );
});

test('without --retention-days nothing is deleted', async () => {
  const sessionsDir = path.join(makeTempDir('api-retention-off'), 'sessions');
  mkdirSync(sessionsDir);
  writeRecording(sessionsDir, { id: 'ancient', start: '2001-01-01T00:00:00.000000Z' });
  const server = await startServer({ sessionsDir, rtpPorts: '50450-50499' });
  await sleep(300);
  assert.ok(existsSync(path.join(sessionsDir, 'ancient')));
  assert.is((await server.request('GET', '/api/recordings')).body.total_recordings, 1);
  assert.not.ok(server.logs.some((l) => /retention/.test(l.msg)));
});

async function fixture(prefix: string, ids: [string, number][]) {
  const sessionsDir = path.join(makeTempDir(prefix), 'sessions');
  mkdirSync(sessionsDir);
  const index = new RecordingsIndex(sessionsDir);
  for (const [id, ageDays] of ids) {
    writeRecording(sessionsDir, { id, start: daysAgo(ageDays) });
    index.add(await readSessionInfo(path.join(sessionsDir, id)));
  }
  return { sessionsDir, index };
}

test('runOnce: the cutoff is now − days; an active call is never deleted; each deletion is logged', async () => {
  const { sessionsDir, index } = await fixture('retention-unit', [['a', 10], ['b', 3], ['c', 1], ['active', 9]]);
  const active = new Map<string, unknown>([['active', {}]]);
  const { log, lines } = memoryLogger();
  const deleter = new RecordingDeleter({ index, sessions: active, sessionsDir, log });
  const sweeper = new RetentionSweeper({ index, deleter, retentionDays: 2, log });
  const result = await sweeper.runOnce();
  assert.is(result.deleted, 2);
  assert.is(result.failed, 0);
  assert.not.ok(existsSync(path.join(sessionsDir, 'a')));
  assert.not.ok(existsSync(path.join(sessionsDir, 'b')));
  assert.ok(existsSync(path.join(sessionsDir, 'c')), 'recent kept');
  assert.ok(existsSync(path.join(sessionsDir, 'active')), 'an active call is never deleted');
  assert.ok(index.has('active') && index.has('c') && !index.has('a') && !index.has('b'));
  const deleted = lines.filter((l) => /Deleted recording/.test(String(l.msg))).map((l) => l.session_id);
  assert.equal(deleted.sort(), ['a', 'b']);

  // Later, with a clock 5 days on: c (now 6 days old) goes too; two sweeps at once are one.
  const later = new RetentionSweeper({ index, deleter, retentionDays: 2, log, now: () => Date.now() + 5 * DAY });
  const [x, y] = [later.runOnce(), later.runOnce()];
  assert.is(x, y, 'a sweep under way is shared');
  assert.is((await x).deleted, 1);
  assert.not.ok(existsSync(path.join(sessionsDir, 'c')));
});

test('start(): sweeps at once, then on every interval; stop() ends it', async () => {
  const { sessionsDir, index } = await fixture('retention-timer', [['first', 5]]);
  const { log } = memoryLogger();
  const deleter = new RecordingDeleter({ index, sessions: new Map(), sessionsDir, log });
  const sweeper = new RetentionSweeper({ index, deleter, retentionDays: 1, log, intervalMs: 50 });
  sweeper.start();
  for (let i = 0; i < 500 && existsSync(path.join(sessionsDir, 'first')); i++) await sleep(10);
  assert.not.ok(existsSync(path.join(sessionsDir, 'first')), 'deleted by the first sweep');
  writeRecording(sessionsDir, { id: 'second', start: daysAgo(3) });
  index.add(await readSessionInfo(path.join(sessionsDir, 'second')));
  for (let i = 0; i < 500 && existsSync(path.join(sessionsDir, 'second')); i++) await sleep(10);
  assert.not.ok(existsSync(path.join(sessionsDir, 'second')), 'deleted by a timed sweep');
  sweeper.stop();
  writeRecording(sessionsDir, { id: 'third', start: daysAgo(3) });
  index.add(await readSessionInfo(path.join(sessionsDir, 'third')));
  await sleep(200);
  assert.ok(existsSync(path.join(sessionsDir, 'third')), 'no sweep after stop()');
});

test('retention-days must be positive', () => {
  const index = new RecordingsIndex('/nonexistent');
  const { log } = memoryLogger();
  const deleter = new RecordingDeleter({ index, sessions: new Map(), sessionsDir: '/nonexistent', log });
  assert.throws(() => new RetentionSweeper({ index, deleter, retentionDays: 0, log }));
});

test.run();
