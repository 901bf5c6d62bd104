/**
 * Session file names and ids (SPEC §2a, §4): UTC stamps, microsecond ISO
 * times, and ids that can never leave the sessions directory.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  SESSION_ID_PATTERN,
  SESSION_INFO_FILE,
  audioFileName,
  fileStamp,
  isValidSessionId,
  isoMicros,
  sessionDir,
} from '../../src/storage/session-files.js';

const T = Date.UTC(2024, 11, 25, 14, 30, 22, 123); // 2024-12-25T14:30:22.123Z

test('fileStamp is YYYYMMDD_HHMMSS in UTC, whatever the local time zone', () => {
  assert.is(fileStamp(T), '20241225_143022');
  assert.is(fileStamp(Date.UTC(2025, 0, 1, 0, 0, 0, 999)), '20250101_000000');
  assert.is(fileStamp(Date.UTC(1999, 8, 9, 9, 9, 9)), '19990909_090909');
  assert.is(fileStamp(T + 0.9), '20241225_143022');
});

test('fileStamp ignores the process time zone (TZ=Pacific/Kiritimati, UTC+14)', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Pacific/Kiritimati';
    assert.is(new Date(T).getHours(), 4, 'the time zone change took effect'); // 14:30 UTC = 04:30 next day
    assert.is(fileStamp(T), '20241225_143022');
    assert.is(audioFileName('incoming', T), 'incoming_20241225_143022.wav');
    assert.is(isoMicros(T), '2024-12-25T14:30:22.123000Z');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('audioFileName: {kind}_{stamp}.wav', () => {
  assert.is(audioFileName('incoming', T), 'incoming_20241225_143022.wav');
  assert.is(audioFileName('outgoing', T), 'outgoing_20241225_143022.wav');
  assert.is(audioFileName('mixed', T), 'mixed_20241225_143022.wav');
  assert.is(SESSION_INFO_FILE, 'session_info.json');
});

test('isoMicros: 2024-12-25T14:30:22.123456Z format, microseconds from the fraction of a millisecond', () => {
  assert.is(isoMicros(T), '2024-12-25T14:30:22.123000Z');
  assert.is(isoMicros(T + 0.5), '2024-12-25T14:30:22.123500Z');
  assert.is(isoMicros(T + 0.25), '2024-12-25T14:30:22.123250Z');
  assert.is(isoMicros(T + 0.456), '2024-12-25T14:30:22.123456Z');
  assert.is(isoMicros(Date.UTC(2025, 0, 1) - 0.5), '2024-12-31T23:59:59.999500Z');
  assert.is(isoMicros(0), '1970-01-01T00:00:00.000000Z');
  for (const ms of [T, T + 0.999, Date.now() + 0.123]) assert.match(isoMicros(ms), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
});

test('isoMicros keeps every microsecond it is given (T + k/1000 ms for k = 0..999)', () => {
  const wrong: string[] = [];
  for (let k = 0; k < 1000; k++) {
    const got = isoMicros(T + k / 1000);
    const want = `2024-12-25T14:30:22.123${String(k).padStart(3, '0')}Z`;
    if (got !== want) wrong.push(`${k}: ${got}`);
  }
  // Math.floor on (epochMs - whole) * 1000 turns e.g. T + 0.001 into ".123000":
  // the fraction of a 1.7e12 double is off by up to 2.4e-4 ms either way.
  assert.equal(wrong.slice(0, 5), [], `${wrong.length} of 1000 microsecond values printed one off, e.g. ${wrong.slice(0, 3).join(', ')}`);
});

test('isoMicros round-trips through Date.parse to the millisecond', () => {
  assert.is(Date.parse(isoMicros(T + 0.7)), T);
});

test('isValidSessionId accepts the SPEC pattern', () => {
  for (const id of ['a', 'abc123-def456-ghi789', 'A.B_C-d', '0'.repeat(64), '...', '.hidden', 'x..y', '550e8400-e29b-41d4-a716-446655440000']) {
    assert.ok(isValidSessionId(id), JSON.stringify(id));
  }
});

test('isValidSessionId rejects ".", "..", paths, encodings, empty, 65 chars, NUL, non-strings', () => {
  for (const id of [
    '.', '..', '../x', '../../etc/passwd', 'a/b', '/abs', 'a\\b', '%2e%2e', '%2F', '', 'a'.repeat(65), 'a\0b', '\0',
    'abc\n', ' abc', 'a b', 'é', 'a:b', '~',
  ]) {
    assert.not.ok(isValidSessionId(id), JSON.stringify(id));
  }
  for (const v of [undefined, null, 1, {}, ['a'], new String('abc')]) assert.not.ok(isValidSessionId(v), String(v));
  // The pattern alone lets "." and ".." through; isValidSessionId is what must be used.
  assert.ok(SESSION_ID_PATTERN.test('..'));
});

test('sessionDir joins a valid id under the sessions dir and refuses anything else', () => {
  assert.is(sessionDir('sessions', 'abc'), path.join('sessions', 'abc'));
  assert.is(sessionDir('/var/rec/', 'a.b'), '/var/rec/a.b');
  for (const bad of ['..', '.', '../x', 'a/b', '', 'a'.repeat(65)]) {
    assert.throws(() => sessionDir('/var/rec', bad), (e: Error) => e instanceof TypeError, JSON.stringify(bad));
  }
});

test.run();
