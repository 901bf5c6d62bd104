/**
 * session_info.json and the recordings API against SPEC §4/§5, field by
 * field (issue 2, point 3). The recorder runs in its own directory with a
 * relative --sessions-dir, so `path` can be checked as "<dir as given>/<id>/<file>".
 * RTP ports 40100-40199.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall, isoMicros } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readCanonicalWav } from '../helpers/wav.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '40100-40199';
const SESSIONS_DIR = 'rec/sessions';
const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const RECORDING_KEYS = ['session_id', 'caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds', 'audio_files'];

let cwd: string;
let server: ServerProcess;
const opened: StartedCall[] = [];

interface Timed {
  call: StartedCall;
  postWall: [number, number];
  hangupWall: [number, number];
  caller: string;
  called: string;
}
const finished: Timed[] = [];

setupSuite(test, async () => {
  cwd = makeTempDir('recordings');
  server = await startServer({ sessionsDir: SESSIONS_DIR, rtpPorts: RTP_PORTS, cwd });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

function onDisk(...parts: string[]): string {
  return path.join(cwd, SESSIONS_DIR, ...parts);
}

const readInfo = (id: string) => readInfoFile(onDisk(), id);

/** "20241225_143022" of an ISO time, in UTC, computed here (not by callrec). */
function utcStamp(iso: string): string {
  const d = new Date(Math.floor(isoMicros(iso) / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

test('three calls: session_info.json holds the SPEC §4 fields with the right values', async () => {
  const plans = [
    { caller: '+15550000001', called: '+15559990001', session_id: undefined },
    { caller: '+15550000002', called: '+15559990002', session_id: 'custom.ID_42-x' },
    { caller: '+15550000003', called: '+15559990001', session_id: undefined },
  ];
  const started: Timed[] = [];
  for (const [i, plan] of plans.entries()) {
    const body: Record<string, string> = { caller_id: plan.caller, called_number: plan.called };
    if (plan.session_id !== undefined) body.session_id = plan.session_id;
    const before = Date.now();
    const call = await startCall(server, {
      body,
      incoming: { codec: i % 2 === 0 ? 'PCMU' : 'PCMA', seed: 1000 + i, packets: 40 },
      outgoing: { codec: i % 2 === 0 ? 'PCMA' : 'PCMU', seed: 2000 + i, packets: 40 },
    });
    const after = Date.now();
    opened.push(call);
    if (plan.session_id !== undefined) assert.is(call.id, plan.session_id);
    else assert.match(call.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a UUID is made');
    started.push({ call, postWall: [before, after], hangupWall: [0, 0], caller: plan.caller, called: plan.called });
    await sleep(20); // distinct start times, so "newest first" has one answer
  }
  await Promise.all(started.flatMap((t) => [t.call.incoming.start(0), t.call.outgoing.start(0)]));
  await sleep(150);

  for (const t of started) {
    const before = Date.now();
    const res = await server.request('POST', `/api/sessions/${t.call.id}/hangup`);
    t.hangupWall = [before, Date.now()];
    assert.is(res.status, 200, res.text);
    const info = readInfo(t.call.id);
    assert.equal(res.body, info);

    assert.is(info.session_id, t.call.id);
    assert.is(info.caller_id, t.caller);
    assert.is(info.called_number, t.called);
    assert.is(info.status, 'completed');
    assert.match(info.start_time, ISO_MICROS);
    assert.match(info.end_time, ISO_MICROS);
    assert.is(info.start_time, t.call.startTime, 'start_time is the one the POST answered');
    const startMs = isoMicros(info.start_time) / 1000;
    const endMs = isoMicros(info.end_time) / 1000;
    assert.ok(startMs >= t.postWall[0] - 2 && startMs <= t.postWall[1] + 2, `start_time ${info.start_time} not within the POST`);
    assert.ok(endMs >= t.hangupWall[0] - 2 && endMs <= t.hangupWall[1] + 2, `end_time ${info.end_time} not within the hangup`);
    assert.type(info.duration_seconds, 'number');
    assert.ok(Math.abs(info.duration_seconds - (endMs - startMs) / 1000) <= 0.0051,
      `duration_seconds ${info.duration_seconds} vs end_time - start_time = ${(endMs - startMs) / 1000}`);
    assert.is(Math.round(info.duration_seconds * 100) / 100, info.duration_seconds, 'duration_seconds has 2 decimals');

    const stamp = utcStamp(info.start_time);
    assert.equal(Object.keys(info.files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
    assert.is(info.files.incoming_audio, `incoming_${stamp}.wav`);
    assert.is(info.files.outgoing_audio, `outgoing_${stamp}.wav`);
    assert.is(info.files.mixed_audio, `mixed_${stamp}.wav`);
    checkRecordedCall(onDisk(t.call.id), info.files, t.call, {}, info);
    finished.push(t);
  }
});

test('GET /api/recordings: SPEC §5 shape, newest first, size_mb and path per file', async () => {
  assert.is(finished.length, 3, 'the previous test recorded three calls');
  const res = await server.request('GET', '/api/recordings');
  assert.is(res.status, 200);
  assert.is(res.body.status, 'success');
  assert.is(res.body.total_recordings, 3);
  assert.ok(Array.isArray(res.body.recordings));
  const ids = res.body.recordings.map((r: { session_id: string }) => r.session_id);
  assert.equal(ids, finished.map((t) => t.call.id).reverse(), 'newest first');

  for (const recording of res.body.recordings) {
    const info = readInfo(recording.session_id);
    for (const key of RECORDING_KEYS) assert.ok(key in recording, `recording.${key} missing`);
    assert.type(recording.session_id, 'string');
    assert.type(recording.caller_id, 'string');
    assert.type(recording.called_number, 'string');
    assert.type(recording.duration_seconds, 'number');
    for (const key of ['session_id', 'caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds']) {
      assert.is(recording[key], info[key], `recording.${key} = session_info.${key}`);
    }
    if ('status' in recording) assert.is(recording.status, 'completed');
    assert.equal(Object.keys(recording.audio_files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
    for (const [key, entry] of Object.entries<Record<string, unknown>>(recording.audio_files)) {
      assert.equal(Object.keys(entry).sort(), ['filename', 'path', 'size_mb'], `${key}: filename, size_mb, path`);
      assert.is(entry.filename, info.files[key]);
      assert.is(entry.path, `${SESSIONS_DIR}/${recording.session_id}/${info.files[key]}`);
      const bytes = statSync(path.join(cwd, entry.path as string)).size;
      assert.type(entry.size_mb, 'number');
      assert.is(entry.size_mb, Math.round((bytes / 1048576) * 100) / 100, `${key}: size_mb of ${bytes} bytes`);
      readCanonicalWav(path.join(cwd, entry.path as string));
    }

    const one = await server.request('GET', `/api/recordings/${recording.session_id}`);
    assert.is(one.status, 200);
    assert.is(one.body.status, 'success');
    // The one-recording answer is the listing item and more (all of session_info.json).
    for (const [key, value] of Object.entries(recording)) assert.equal(one.body.recording[key], value, `GET /api/recordings/:id: ${key}`);
  }
});

test('GET /api/recordings: limit, offset and filters count all matches', async () => {
  const ids = finished.map((t) => t.call.id).reverse();
  const page = await server.request('GET', '/api/recordings?limit=1&offset=1');
  assert.is(page.status, 200);
  assert.is(page.body.total_recordings, 3);
  assert.equal(page.body.recordings.map((r: { session_id: string }) => r.session_id), [ids[1]]);

  const byCalled = await server.request('GET', `/api/recordings?called_number=${encodeURIComponent('+15559990001')}`);
  assert.is(byCalled.body.total_recordings, 2);
  assert.equal(byCalled.body.recordings.map((r: { session_id: string }) => r.session_id), [ids[0], ids[2]]);

  const byCaller = await server.request('GET', `/api/recordings?caller_id=${encodeURIComponent('+15550000002')}`);
  assert.equal(byCaller.body.recordings.map((r: { session_id: string }) => r.session_id), ['custom.ID_42-x']);

  const from = finished[1].call.startTime;
  const fromSecond = await server.request('GET', `/api/recordings?from=${encodeURIComponent(from)}`);
  assert.equal(fromSecond.body.recordings.map((r: { session_id: string }) => r.session_id), [ids[0], ids[1]]);

  const missing = await server.request('GET', '/api/recordings/no-such-call');
  assert.is(missing.status, 404);
  assert.is(missing.body.status, 'error');
  assert.type(missing.body.error, 'string');
});

test('an active call is not listed; a call with audio on one leg only has no mixed file', async () => {
  const call = await startCall(server, {
    body: { caller_id: 'one-leg', called_number: '+15559990009' },
    incoming: { codec: 'PCMU', seed: 3001, packets: 25 },
    outgoing: { codec: 'PCMU', seed: 3002, packets: 25 },
  });
  opened.push(call);
  await call.incoming.start(0);
  const live = readInfo(call.id);
  assert.not.ok('end_time' in live, 'SPEC §4: end_time is absent while the call runs');
  assert.not.ok('duration_seconds' in live && live.duration_seconds !== null, 'no duration while the call runs');
  assert.is.not(live.status, 'completed');
  assert.is(live.session_id, call.id);
  assert.is(live.start_time, call.startTime);
  const listed = await server.request('GET', '/api/recordings');
  assert.ok(!listed.body.recordings.some((r: { session_id: string }) => r.session_id === call.id), 'only finished calls are listed');
  assert.is(listed.body.total_recordings, 3);
  assert.is((await server.request('GET', `/api/recordings/${call.id}`)).status, 404);

  await sleep(150);
  const res = await server.request('POST', `/api/sessions/${call.id}/hangup`);
  assert.is(res.status, 200);
  assert.equal(Object.keys(res.body.files).sort(), ['incoming_audio', 'outgoing_audio'], 'no mixed_audio');
  const one = await server.request('GET', `/api/recordings/${call.id}`);
  assert.equal(Object.keys(one.body.recording.audio_files).sort(), ['incoming_audio', 'outgoing_audio']);
  const incoming = readCanonicalWav(onDisk(call.id, res.body.files.incoming_audio));
  const outgoing = readCanonicalWav(onDisk(call.id, res.body.files.outgoing_audio));
  assert.ok(outgoing.every((s) => s === 0), 'the silent leg holds only silence');
  assert.ok(incoming.some((s) => s !== 0));
  finished.push({ call, postWall: [0, 0], hangupWall: [0, 0], caller: 'one-leg', called: '+15559990009' });
});

test('after a restart on the same directory the listing is the same', async () => {
  const before = await server.request('GET', '/api/recordings');
  assert.is(before.body.total_recordings, 4);
  const exit = await server.stop('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
  server = await startServer({ sessionsDir: SESSIONS_DIR, rtpPorts: RTP_PORTS, cwd });
  const after = await server.request('GET', '/api/recordings');
  assert.equal(after.body, before.body);
  const dup = await server.request('POST', '/api/sessions', { caller_id: 'a', called_number: 'b', session_id: 'custom.ID_42-x' });
  assert.is(dup.status, 409, 'a recorded id stays taken after a restart');
});

test.run();
