/**
 * The in-memory recordings index behind GET /api/recordings (SPEC §5):
 * newest first, filters, limit/offset with a total of all matches, size_mb,
 * the path shape, add/replace/remove.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordingsIndex } from '../../src/storage/recordings-index.js';
import type { SessionInfo } from '../../src/storage/session-info.js';

function info(id: string, start: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    session_id: id,
    caller_id: '+15551234567',
    called_number: '+15559876543',
    start_time: start,
    end_time: start.replace(/T(\d\d)/, (_, h) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`),
    duration_seconds: 3600,
    status: 'completed',
    files: { incoming_audio: 'incoming_x.wav', outgoing_audio: 'outgoing_x.wav', mixed_audio: 'mixed_x.wav' },
    file_bytes: { incoming_audio: 1_289_749, outgoing_audio: 2_243_952, mixed_audio: 1_761_608 },
    ...over,
  };
}

const ids = (r: { recordings: { session_id: string }[] }) => r.recordings.map((x) => x.session_id);
const all = { limit: 100, offset: 0 };

function sample(): RecordingsIndex {
  const idx = new RecordingsIndex('./sessions');
  idx.add(info('b', '2024-12-25T10:00:00.000000Z', { caller_id: '+1111' }));
  idx.add(info('d', '2024-12-27T10:00:00.000000Z', { caller_id: '+2222', called_number: '+9000' }));
  idx.add(info('a', '2024-12-24T10:00:00.500000Z'));
  idx.add(info('c', '2024-12-26T10:00:00.000000Z', { caller_id: '+1111', called_number: '+9000' }));
  idx.add(info('e', '2024-12-26T10:00:00.000000Z', { caller_id: '+2222' }));
  return idx;
}

test('newest first by start_time; the same start time in id order', () => {
  const idx = sample();
  assert.is(idx.size, 5);
  assert.equal(ids(idx.query(all)), ['d', 'c', 'e', 'b', 'a']);
  assert.is(idx.query(all).total, 5);
});

test('addAll (start-up) gives the same order as one add at a time', () => {
  const one = sample();
  const many = new RecordingsIndex('./sessions');
  many.addAll(['a', 'b', 'c', 'd', 'e'].map((id) => one.info(id) as SessionInfo));
  assert.equal(ids(many.query(all)), ids(one.query(all)));
  many.add(info('f', '2024-12-25T12:00:00Z'));
  assert.equal(ids(many.query(all)), ['d', 'c', 'e', 'f', 'b', 'a']);
});

test('unfinished sessions (no end_time) are not listed', () => {
  const idx = sample();
  const live = info('live', '2024-12-30T00:00:00Z');
  delete live.end_time;
  idx.add(live);
  idx.addAll([{ ...live, session_id: 'live2' }]);
  assert.not.ok(idx.has('live'));
  assert.not.ok(idx.has('live2'));
  assert.is(idx.get('live'), null);
  assert.is(idx.query(all).total, 5);
});

test('filters: caller_id, called_number, both', () => {
  const idx = sample();
  assert.equal(ids(idx.query({ ...all, callerId: '+1111' })), ['c', 'b']);
  assert.equal(ids(idx.query({ ...all, calledNumber: '+9000' })), ['d', 'c']);
  assert.equal(ids(idx.query({ ...all, callerId: '+1111', calledNumber: '+9000' })), ['c']);
  assert.equal(ids(idx.query({ ...all, callerId: '+0000' })), []);
  // Exact match, not a prefix.
  assert.equal(ids(idx.query({ ...all, callerId: '+111' })), []);
});

test('filters: from and to on start_time, both inclusive', () => {
  const idx = sample();
  const at = (s: string) => Date.parse(s);
  assert.equal(ids(idx.query({ ...all, fromMs: at('2024-12-26T10:00:00Z') })), ['d', 'c', 'e']);
  assert.equal(ids(idx.query({ ...all, toMs: at('2024-12-25T10:00:00Z') })), ['b', 'a']);
  assert.equal(ids(idx.query({ ...all, fromMs: at('2024-12-25T00:00:00Z'), toMs: at('2024-12-26T23:59:59Z') })), ['c', 'e', 'b']);
  assert.equal(ids(idx.query({ ...all, fromMs: at('2024-12-24T10:00:00.500Z'), toMs: at('2024-12-24T10:00:00.500Z') })), ['a']);
  assert.equal(ids(idx.query({ ...all, fromMs: at('2024-12-28T00:00:00Z') })), []);
  assert.equal(ids(idx.query({ ...all, callerId: '+2222', fromMs: at('2024-12-27T00:00:00Z') })), ['d']);
});

test('limit and offset page through the matches; total counts all of them', () => {
  const idx = sample();
  const page = (offset: number, limit: number) => idx.query({ limit, offset });
  assert.equal(ids(page(0, 2)), ['d', 'c']);
  assert.equal(ids(page(2, 2)), ['e', 'b']);
  assert.equal(ids(page(4, 2)), ['a']);
  assert.equal(ids(page(5, 2)), []);
  assert.equal(ids(page(100, 2)), []);
  assert.equal(ids(page(0, 0)), []);
  for (const [o, l] of [[0, 2], [4, 2], [100, 1], [0, 0]]) assert.is(page(o, l).total, 5);
  const filtered = idx.query({ limit: 1, offset: 1, callerId: '+2222' });
  assert.equal(ids(filtered), ['e']);
  assert.is(filtered.total, 2);
});

test('a recording: the SPEC §5 shape, size_mb = bytes / 1048576 to 2 decimals, path under the sessions dir', () => {
  const idx = sample();
  const listed = idx.query({ ...all, callerId: '+1111', calledNumber: '+9000' }).recordings[0];
  assert.equal(listed, {
    session_id: 'c',
    caller_id: '+1111',
    called_number: '+9000',
    start_time: '2024-12-26T10:00:00.000000Z',
    end_time: '2024-12-26T11:00:00.000000Z',
    duration_seconds: 3600,
    status: 'completed',
    audio_files: {
      incoming_audio: { filename: 'incoming_x.wav', size_mb: 1.23, path: 'sessions/c/incoming_x.wav' },
      outgoing_audio: { filename: 'outgoing_x.wav', size_mb: 2.14, path: 'sessions/c/outgoing_x.wav' },
      mixed_audio: { filename: 'mixed_x.wav', size_mb: 1.68, path: 'sessions/c/mixed_x.wav' },
    },
  });
  // get() is the listed object over all of session_info.json (GET /api/recordings/:id).
  const one = idx.get('c')!;
  for (const [key, value] of Object.entries(listed)) assert.equal(one[key as keyof typeof one], value, `get('c').${key}`);
  assert.equal(one.files, idx.info('c')!.files, 'and the metadata the listing leaves out');
  assert.is(idx.get('nope'), null);
});

test('size_mb rounding at the edges; a file without file_bytes shows 0', () => {
  const idx = new RecordingsIndex('sessions');
  const sizes = { z: 0, one: 1_048_576, tiny: 5_000, up: 5_243, big: 1_048_576 * 1000 + 5_300 };
  idx.add(info('s', '2024-01-01T00:00:00Z', { files: { ...Object.fromEntries(Object.keys(sizes).map((k) => [k, `${k}.wav`])), nobytes: 'n.wav' }, file_bytes: sizes }));
  const mb = Object.fromEntries(Object.entries(idx.get('s')!.audio_files).map(([k, v]) => [k, v.size_mb]));
  assert.equal(mb, { z: 0, one: 1, tiny: 0, up: 0.01, big: 1000.01, nobytes: 0 });
});

test('path keeps the sessions dir as configured (normalized), relative or absolute', () => {
  for (const [dir, want] of [
    ['./sessions', 'sessions/x/mixed_x.wav'],
    ['sessions/', 'sessions/x/mixed_x.wav'],
    ['/var/lib/callrec/', '/var/lib/callrec/x/mixed_x.wav'],
    ['../rec', '../rec/x/mixed_x.wav'],
  ]) {
    const idx = new RecordingsIndex(dir);
    idx.add(info('x', '2024-01-01T00:00:00Z'));
    assert.is(idx.get('x')!.audio_files.mixed_audio.path, want.split('/').join(path.sep), dir);
  }
});

test('remove: gone from get, has, queries and totals; a second remove is false', () => {
  const idx = sample();
  assert.ok(idx.remove('c'));
  assert.not.ok(idx.has('c'));
  assert.is(idx.get('c'), null);
  assert.is(idx.size, 4);
  assert.equal(ids(idx.query(all)), ['d', 'e', 'b', 'a']);
  assert.equal(ids(idx.query({ ...all, callerId: '+1111' })), ['b']);
  assert.not.ok(idx.remove('c'));
  assert.not.ok(idx.remove('never'));
});

test('adding the same session again replaces it (no duplicate), moved to its new place', () => {
  const idx = sample();
  idx.add(info('a', '2024-12-31T00:00:00Z', { status: 'recovered' }));
  assert.is(idx.size, 5);
  assert.equal(ids(idx.query(all)), ['a', 'd', 'c', 'e', 'b']);
  assert.is(idx.get('a')!.status, 'recovered');
});

test('startedBefore lists finished sessions that started before a time (for retention)', () => {
  const idx = sample();
  assert.equal(idx.startedBefore(Date.parse('2024-12-26T10:00:00Z')).sort(), ['a', 'b']);
  assert.equal(idx.startedBefore(Date.parse('2024-01-01T00:00:00Z')), []);
});

test('many adds in random order stay sorted', () => {
  const idx = new RecordingsIndex('sessions');
  const starts: number[] = [];
  let x = 12345;
  for (let i = 0; i < 500; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const ms = Date.UTC(2024, 0, 1) + (x % 1000) * 60_000;
    starts.push(ms);
    idx.add(info(`id${i}`, new Date(ms).toISOString()));
  }
  const got = idx.query({ limit: 1000, offset: 0 }).recordings;
  assert.is(got.length, 500);
  for (let i = 1; i < got.length; i++) {
    const a = Date.parse(got[i - 1].start_time);
    const b = Date.parse(got[i].start_time);
    assert.ok(a > b || (a === b && got[i - 1].session_id < got[i].session_id), `order at ${i}`);
  }
});

test.run();
