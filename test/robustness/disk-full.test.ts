/**
 * Full disk (issue 4, README CALLREC_ERR_STORAGE): the sessions directory on
 * a 512 KiB tmpfs, most of it taken by a junk file. Two calls record until
 * writes fail with ENOSPC: the server keeps running, logs the failure once
 * per call (not per packet), hangup answers 200 with `errors` naming ENOSPC,
 * and every WAV left on disk is playable. With the disk completely full a new
 * call is refused with 503 CALLREC_ERR_STORAGE; once space is freed, a new call
 * records bit-exactly. The tests run in order on one server and one disk.
 *
 * Needs root for mount(8), as CI has; without it the test fails, it does not
 * skip. RTP ports 38800-38899.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { MIN_FREE_DISK_BYTES } from '../../src/storage/index.js';
import { pollHealthz, readWavLoosely } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '38800-38899';
/** Left free for the two calls: above the 64 KiB a call needs, their metadata reserves and ~1.5 s of their four legs (16 KB/s each), so they run out mid-call. */
const HEADROOM_BYTES = 160 * 1024;

let mountPoint = '';
let mounted = false;
let sessionsDir: string;
let junk: string;
let server: ServerProcess | null = null;
const opened: StartedCall[] = [];

setupSuite(test, async () => {
  mountPoint = path.join(makeTempDir('disk-full'), 'mnt');
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`disk-full test: cannot mount a 512k tmpfs on ${mountPoint} (needs root, as CI has): ${e.stderr?.toString().trim() || e.message}`);
  }
  sessionsDir = path.join(mountPoint, 'sessions');
  junk = path.join(mountPoint, 'junk');
});

test.after(async () => {
  for (const c of opened) await Promise.all([c.incoming.close(), c.outgoing.close()]);
  if (server !== null) await server.stop('SIGKILL'); // its open files would keep the mount busy
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
  }
  removeTempDirs();
});

function freeBytes(): number {
  const s = statfsSync(mountPoint);
  return s.bavail * s.bsize;
}

/** Append to the junk file until the file system refuses (ENOSPC). */
function fillCompletely(): void {
  const chunk = Buffer.alloc(4096, 0x6a);
  for (let i = 0; i < 1024; i++) {
    try {
      appendFileSync(junk, chunk);
    } catch (err) {
      assert.is((err as NodeJS.ErrnoException).code, 'ENOSPC');
      // A page may take a partial chunk: go on byte-sized until nothing fits.
      for (let j = 0; j < 4096; j++) {
        try {
          appendFileSync(junk, chunk.subarray(0, 1));
        } catch {
          return;
        }
      }
      return;
    }
  }
  assert.unreachable('the tmpfs never filled up');
}

function allWavs(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(sessionsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(sessionsDir, entry.name);
    for (const f of readdirSync(dir)) if (f.endsWith('.wav')) found.push(path.join(dir, f));
  }
  return found;
}

test('two calls run out of space mid-call: the server stays up, logs it once per call, hangup answers 200 with ENOSPC in errors', async () => {
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
  writeFileSync(junk, Buffer.alloc(Math.max(0, freeBytes() - HEADROOM_BYTES), 0x6a));
  assert.ok(freeBytes() <= HEADROOM_BYTES + 4096, `free space after the junk file: ${freeBytes()}`);

  const calls: StartedCall[] = [];
  for (const seed of [3881, 3891]) {
    calls.push(await startCall(server, {
      incoming: { codec: 'PCMU', seed, packets: 175 },
      outgoing: { codec: 'PCMA', seed: seed + 1, packets: 175 },
    }));
  }
  opened.push(...calls);
  const health = pollHealthz(server, 200);
  await Promise.all(calls.flatMap((c) => [c.incoming.start(0), c.outgoing.start(0)]));
  await sleep(200);
  const answers = await health.stop();
  assert.is(server.exit, null, `callrec exited: ${JSON.stringify(server.exit)} ${server.stderr}`);
  // Answered, fast, all along: 200 while a call would still be taken, 503 (disk_full) once not.
  assert.ok(answers.length >= 5 && answers.every((a) => a.status === 200 || a.status === 503), `/healthz while the disk filled: ${JSON.stringify(answers)}`);

  for (const c of calls) {
    const res = await server.request('POST', `/api/sessions/${c.id}/hangup`);
    assert.is(res.status, 200, `hangup ${c.id} on a full disk: ${res.status} ${res.text}`);
    const errors = res.body.errors;
    assert.ok(Array.isArray(errors) && errors.some((e: unknown) => typeof e === 'string' && e.includes('ENOSPC')),
      `${c.id}: the metadata's errors name ENOSPC: ${JSON.stringify(errors)}`);
    assert.ok(res.body.stats.incoming.write_errors + res.body.stats.outgoing.write_errors > 0, `${c.id}: write_errors counted: ${JSON.stringify(res.body.stats)}`);
    // Disk and answer agree: the final metadata was written (into the room kept for it), errors and all.
    assert.equal(readInfoFile(sessionsDir, c.id), res.body, `${c.id}: session_info.json on disk is the hangup answer`);
    assert.equal(readdirSync(path.join(sessionsDir, c.id)).filter((n) => n.endsWith('.tmp') || n.startsWith('.metadata-reserve')), [], `${c.id}: no temp file, no reserve left`);
  }
  for (const c of calls) {
    const lines = server.logs.filter((l) => l.msg.startsWith('recording write failed') && l.session_id === c.id);
    assert.is(lines.length, 1, `${c.id}: "recording write failed" logged ${lines.length} times, want once per call: ${JSON.stringify(lines)}`);
    assert.match(lines[0].msg, /^recording write failed on (incoming|outgoing) leg: ENOSPC$/);
  }
  const healthAfter = await server.request('GET', '/healthz');
  const expected = freeBytes() < MIN_FREE_DISK_BYTES ? 503 : 200;
  assert.is(healthAfter.status, expected, `/healthz with ${freeBytes()} bytes free: ${healthAfter.text}`);
});

test('after ENOSPC, every WAV left on disk is playable (no empty or half-written mixed file)', () => {
  assert.ok(server !== null && server.exit === null, 'the server of the previous test is running');
  const wavs = allWavs();
  assert.ok(wavs.length >= 4, `WAV files on disk: ${wavs}`);
  const bad: string[] = [];
  for (const file of wavs) {
    try {
      readWavLoosely(file);
    } catch (err) {
      bad.push((err as Error).message);
    }
  }
  assert.ok(bad.length === 0, `${bad.length} of ${wavs.length} WAV files are not playable:\n${bad.join('\n')}`);
});

test('the disk completely full: POST /api/sessions answers 503 CALLREC_ERR_STORAGE, not 500', async () => {
  assert.ok(server !== null && server.exit === null, 'the server of the first test is running');
  fillCompletely();
  const refused = await server.request('POST', '/api/sessions', { caller_id: '+15550300', called_number: '+15550301' });
  assert.is(refused.status, 503, `POST /api/sessions on a full disk: ${refused.status} ${refused.text}`);
  assert.is(refused.body.code, 'CALLREC_ERR_STORAGE', refused.text);
  assert.is(refused.body.status, 'error');
  // /healthz agrees with the refusal, so a load balancer stops sending calls.
  const health = await server.request('GET', '/healthz');
  assert.is(health.status, 503, health.text);
  assert.equal(health.body.reasons, ['disk_full']);
  assert.is(health.headers.get('retry-after'), '5');
  assert.is(server.exit, null);
});

test('space freed again: a new call records bit-exactly, with complete metadata', async () => {
  assert.ok(server !== null && server.exit === null, 'the server of the first test is running');
  rmSync(junk, { force: true });
  assert.is((await server.request('GET', '/healthz')).status, 200, 'healthy again once space is freed');
  const ok = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 3895, packets: 50 },
    outgoing: { codec: 'PCMA', seed: 3896, packets: 50 },
  });
  opened.push(ok);
  await Promise.all([ok.incoming.start(0), ok.outgoing.start(0)]);
  await sleep(200);
  const res = await server.request('POST', `/api/sessions/${ok.id}/hangup`);
  assert.is(res.status, 200, `hangup after space was freed: ${res.status} ${res.text}`);
  assert.is(res.body.errors, undefined, `no errors once there is space: ${JSON.stringify(res.body.errors)}`);
  assert.is(res.body.status, 'completed');
  const onDisk = readInfoFile(sessionsDir, ok.id);
  assert.equal(onDisk, res.body, 'session_info.json on disk is the hangup answer');
  checkRecordedCall(path.join(sessionsDir, ok.id), res.body.files, ok, {}, res.body);
  assert.is(server.exit, null);
});

test.run();
