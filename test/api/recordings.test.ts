/**
 * GET /api/recordings and GET /api/recordings/:id (SPEC §5) over a
 * directory of finished recordings written before start: newest first,
 * limit/offset, every filter alone and together, total_recordings counting
 * all matches, the recording object, 400/404.
 * RTP ports 50000-50099.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { writeRecording } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const CALLERS = ['+15550000001', '+15550000002', '+15550000003'];
const CALLED = ['+15559990001', '+15559990002'];
/** 30 recordings, one per hour from 2025-01-01T00:00Z; caller i % 3, called i % 2. */
const N = 30;
const startOf = (i: number) => new Date(Date.UTC(2025, 0, 1, i, 0, 0)).toISOString().replace('.000Z', '.250000Z');
const idOf = (i: number) => `rec-${String(i).padStart(2, '0')}`;

let sessionsDir: string;
let server: ServerProcess;

function ids(res: { body: { recordings: { session_id: string }[] } }): string[] {
  return res.body.recordings.map((r) => r.session_id);
}

/** What the server should answer: indices newest first. */
function expected(pred: (i: number) => boolean): string[] {
  const out: string[] = [];
  for (let i = N - 1; i >= 0; i--) if (pred(i)) out.push(idOf(i));
  return out;
}

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-recordings'), 'sessions');
  mkdirSync(sessionsDir);
  for (let i = 0; i < N; i++) {
    writeRecording(sessionsDir, {
      id: idOf(i),
      start: startOf(i),
      callerId: CALLERS[i % 3],
      calledNumber: CALLED[i % 2],
      durationSeconds: 60 + i,
      legs: { incoming: 1048576, outgoing: 2000, mixed: 0 },
    });
  }
  // Not listed: no readable metadata.
  mkdirSync(path.join(sessionsDir, 'broken'));
  writeFileSync(path.join(sessionsDir, 'broken', 'session_info.json'), '{ not json');
  server = await startServer({ sessionsDir, rtpPorts: '50000-50099' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('default listing: all finished recordings, newest first, SPEC §5 shape', async () => {
  const res = await server.request('GET', '/api/recordings');
  assert.is(res.status, 200);
  assert.is(res.body.status, 'success');
  assert.is(res.body.total_recordings, N);
  assert.equal(ids(res), expected(() => true));
  const first = res.body.recordings[0];
  assert.is(first.session_id, idOf(N - 1));
  assert.is(first.caller_id, CALLERS[(N - 1) % 3]);
  assert.is(first.called_number, CALLED[(N - 1) % 2]);
  assert.is(first.start_time, startOf(N - 1));
  assert.is(first.duration_seconds, 60 + N - 1);
  assert.type(first.end_time, 'string');
  assert.equal(Object.keys(first.audio_files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
  const inc = first.audio_files.incoming_audio;
  assert.is(inc.size_mb, 1); // (1048576 + 44) / 1048576 rounded to 2 decimals
  assert.is(inc.path, path.join(sessionsDir, first.session_id, inc.filename));
  assert.is(first.audio_files.mixed_audio.size_mb, 0);
});

test('limit and offset page through; total_recordings counts all matches', async () => {
  const all = expected(() => true);
  const page1 = await server.request('GET', '/api/recordings?limit=7');
  assert.equal(ids(page1), all.slice(0, 7));
  assert.is(page1.body.total_recordings, N);
  const page2 = await server.request('GET', '/api/recordings?limit=7&offset=7');
  assert.equal(ids(page2), all.slice(7, 14));
  const tail = await server.request('GET', '/api/recordings?limit=10&offset=25');
  assert.equal(ids(tail), all.slice(25));
  const past = await server.request('GET', '/api/recordings?offset=1000');
  assert.equal(ids(past), []);
  assert.is(past.body.total_recordings, N);
  const zero = await server.request('GET', '/api/recordings?limit=0');
  assert.equal(ids(zero), []);
  assert.is(zero.body.total_recordings, N);
  const max = await server.request('GET', '/api/recordings?limit=1000');
  assert.is(max.body.recordings.length, N);
});

test('caller_id and called_number filter exactly (+ written as %2B)', async () => {
  const byCaller = await server.request('GET', `/api/recordings?caller_id=${encodeURIComponent(CALLERS[1])}`);
  assert.equal(ids(byCaller), expected((i) => i % 3 === 1));
  assert.is(byCaller.body.total_recordings, 10);
  const byCalled = await server.request('GET', `/api/recordings?called_number=${encodeURIComponent(CALLED[0])}`);
  assert.equal(ids(byCalled), expected((i) => i % 2 === 0));
  const both = await server.request('GET', `/api/recordings?caller_id=${encodeURIComponent(CALLERS[0])}&called_number=${encodeURIComponent(CALLED[1])}`);
  assert.equal(ids(both), expected((i) => i % 3 === 0 && i % 2 === 1));
  const none = await server.request('GET', '/api/recordings?caller_id=%2B19999999999');
  assert.equal(ids(none), []);
  assert.is(none.body.total_recordings, 0);
  const prefix = await server.request('GET', '/api/recordings?caller_id=%2B1555');
  assert.is(prefix.body.total_recordings, 0, 'no prefix matching');
});

test('from and to bound start_time (inclusive), alone and together, with paging', async () => {
  const from = encodeURIComponent(startOf(20));
  const to = encodeURIComponent(startOf(24));
  const since = await server.request('GET', `/api/recordings?from=${from}`);
  assert.equal(ids(since), expected((i) => i >= 20));
  const until = await server.request('GET', `/api/recordings?to=${to}`);
  assert.equal(ids(until), expected((i) => i <= 24));
  const window = await server.request('GET', `/api/recordings?from=${from}&to=${to}`);
  assert.equal(ids(window), expected((i) => i >= 20 && i <= 24));
  const paged = await server.request('GET', `/api/recordings?from=${from}&to=${to}&limit=2&offset=1`);
  assert.equal(ids(paged), expected((i) => i >= 20 && i <= 24).slice(1, 3));
  assert.is(paged.body.total_recordings, 5);
  const dateOnly = await server.request('GET', '/api/recordings?from=2025-01-02');
  assert.equal(ids(dateOnly), expected((i) => i >= 24));
  const offsetZone = await server.request('GET', `/api/recordings?to=${encodeURIComponent('2025-01-01T02:00:00+01:00')}`);
  assert.equal(ids(offsetZone), expected((i) => i <= 0));
  const inverted = await server.request('GET', `/api/recordings?from=${to}&to=${from}`);
  assert.equal(ids(inverted), []);
  const all = await server.request('GET', `/api/recordings?caller_id=${encodeURIComponent(CALLERS[2])}&from=${from}&to=${to}`);
  assert.equal(ids(all), expected((i) => i % 3 === 2 && i >= 20 && i <= 24));
});

test('GET /api/recordings/:id: 200 with the listed fields (and all of session_info.json); 404 unknown; 400 invalid id', async () => {
  const list = await server.request('GET', '/api/recordings?limit=1000');
  const listed = list.body.recordings.find((r: { session_id: string }) => r.session_id === idOf(5));
  const one = await server.request('GET', `/api/recordings/${idOf(5)}`);
  assert.is(one.status, 200);
  assert.is(one.body.status, 'success');
  for (const [key, value] of Object.entries(listed)) assert.equal(one.body.recording[key], value, key);
  assert.equal(one.body.recording.files, readInfoFile(sessionsDir, idOf(5)).files);
  const unknown = await server.request('GET', '/api/recordings/rec-99');
  assert.is(unknown.status, 404);
  assert.equal(Object.keys(unknown.body).sort(), ['code', 'error', 'status']);
  assert.is(unknown.body.code, 'CALLREC_ERR_NOT_FOUND');
  const broken = await server.request('GET', '/api/recordings/broken');
  assert.is(broken.status, 404, 'a directory without readable metadata is not a recording');
  const invalid = await server.request('GET', '/api/recordings/a%20b');
  assert.is(invalid.status, 400);
  assert.is(invalid.body.code, 'CALLREC_ERR_INVALID_ID');
});

test.run();
