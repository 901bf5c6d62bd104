/**
 * session_info.json: written atomically (temp file in the same directory,
 * fsync, rename) and read back as written; a reader racing a writer only
 * ever sees a whole file; bad files are refused with a clear error.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SESSION_INFO_FILE } from '../../src/storage/session-files.js';
import { readSessionInfo, writeSessionInfo } from '../../src/storage/session-info.js';
import type { SessionInfo } from '../../src/storage/session-info.js';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'callrec-info-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** uvu/assert has no rejects(): the promise must reject, and `check` must accept the reason. */
async function rejects(promise: Promise<unknown>, check: (e: any) => boolean, label = ''): Promise<void> {
  let reason: unknown;
  try {
    await promise;
  } catch (err) {
    reason = err;
  }
  assert.ok(reason !== undefined, `${label}: did not reject`);
  assert.ok(check(reason), `${label}: rejected with ${String(reason)}`);
}

const INFO: SessionInfo = {
  session_id: 'abc123-def456-ghi789',
  caller_id: '+15551234567',
  called_number: '+15559876543',
  start_time: '2024-12-25T14:30:22.123456Z',
  end_time: '2024-12-25T14:32:45.654321Z',
  duration_seconds: 143.53,
  status: 'completed',
  files: {
    incoming_audio: 'incoming_20241225_143022.wav',
    outgoing_audio: 'outgoing_20241225_143022.wav',
    mixed_audio: 'mixed_20241225_143022.wav',
  },
  file_bytes: { incoming_audio: 2_296_524, outgoing_audio: 2_296_524, mixed_audio: 2_296_524 },
  source: 'http',
  stats: { incoming: { packets: 7176, bytes: 1234, recorded: 7170, lost: 6, duplicates: 0, late: 2, dropped: { malformed: 1 } } },
  siprec: { xml: '<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>' },
};

test('write then read: the same object; pretty JSON with a final newline', async () => {
  await writeSessionInfo(dir, INFO);
  assert.equal(await readSessionInfo(dir), INFO);
  const text = readFileSync(path.join(dir, SESSION_INFO_FILE), 'utf8');
  assert.is(text, `${JSON.stringify(INFO, null, 2)}\n`);
  assert.ok(text.startsWith('{\n  "session_id": "abc123-def456-ghi789",\n'));
});

test('no temp file is left behind; only session_info.json', async () => {
  await writeSessionInfo(dir, INFO);
  await writeSessionInfo(dir, { ...INFO, status: 'recovered' });
  assert.equal(readdirSync(dir), [SESSION_INFO_FILE]);
  assert.is((await readSessionInfo(dir)).status, 'recovered');
});

test('a rewrite replaces the whole file (a shorter record leaves no tail of the longer one)', async () => {
  await writeSessionInfo(dir, { ...INFO, notes: 'x'.repeat(10_000) });
  const small: SessionInfo = { session_id: 's', caller_id: 'a', called_number: 'b', start_time: INFO.start_time, status: 'recording', files: {} };
  await writeSessionInfo(dir, small);
  assert.equal(await readSessionInfo(dir), small);
  assert.not.ok('end_time' in (await readSessionInfo(dir)));
});

test('a reader racing a writer only ever sees a whole file (old or new, never half)', async () => {
  const big = (n: number): SessionInfo => ({ ...INFO, duration_seconds: n, padding: 'p'.repeat(200_000 + n * 1000) });
  await writeSessionInfo(dir, big(0));
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      const text = await readFile(path.join(dir, SESSION_INFO_FILE), 'utf8');
      const parsed = JSON.parse(text) as SessionInfo; // throws on a half-written file
      assert.is((parsed.padding as string).length, 200_000 + (parsed.duration_seconds as number) * 1000);
      reads++;
    }
  })();
  for (let n = 1; n <= 20; n++) await writeSessionInfo(dir, big(n));
  writing = false;
  await reader;
  assert.ok(reads > 0);
  assert.is((await readSessionInfo(dir)).duration_seconds, 20);
});

test('two writes of one session at the same moment both succeed; the file is one of them, whole', async () => {
  // e.g. finalize and a webhook/on-complete update landing together.
  for (let round = 0; round < 20; round++) {
    const a = { ...INFO, status: 'completed' as const, note: 'a'.repeat(50_000) };
    const b = { ...INFO, status: 'recovered' as const, note: 'b'.repeat(10) };
    const results = await Promise.allSettled([writeSessionInfo(dir, a), writeSessionInfo(dir, b)]);
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(failed.map((r) => String(r.reason)), [], `round ${round}: a concurrent write failed`);
    const got = await readSessionInfo(dir);
    assert.ok(JSON.stringify(got) === JSON.stringify(a) || JSON.stringify(got) === JSON.stringify(b), `round ${round}: file is neither write`);
    assert.equal(readdirSync(dir), [SESSION_INFO_FILE], `round ${round}: temp files left`);
  }
});

test('readSessionInfo refuses what is not a session record', async () => {
  const file = path.join(dir, SESSION_INFO_FILE);
  for (const text of ['null', '[]', '"abc"', '42', '{}', '{"session_id": 7}']) {
    writeFileSync(file, text);
    await rejects(readSessionInfo(dir), (e: Error) => e instanceof TypeError && e.message.includes(SESSION_INFO_FILE), text);
  }
  writeFileSync(file, '{"session_id": "x", ');
  await rejects(readSessionInfo(dir), (e) => e instanceof SyntaxError, 'truncated JSON');
});

test('readSessionInfo of a directory without the file fails with ENOENT', async () => {
  await rejects(readSessionInfo(dir), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('writeSessionInfo into a missing directory rejects and creates nothing', async () => {
  const missing = path.join(dir, 'nope');
  await rejects(writeSessionInfo(missing, INFO), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  assert.equal(readdirSync(dir), []);
});

test.run();
