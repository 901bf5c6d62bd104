/**
 * GET /api/recordings/:id/audio/:leg (issue 5): audio/wav from disk with
 * Content-Length and Accept-Ranges; single ranges (closed, open-ended,
 * suffix, past the end) → 206 / 416; invalid or multiple ranges → 200 whole;
 * If-Range; HEAD; legs a recording has or has not (stereo, extra_*).
 * Recordings are written to disk before the server starts.
 * RTP ports 50100-50199.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { writeRecording } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const ID = 'call-a';
let sessionsDir: string;
let server: ServerProcess;
let incoming: Buffer;
let incomingName: string;

async function get(leg: string, headers: Record<string, string> = {}, id = ID, method = 'GET') {
  const res = await fetch(`${server.url}/api/recordings/${id}/audio/${leg}`, { method, headers });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-audio'), 'sessions');
  mkdirSync(sessionsDir);
  const info = writeRecording(sessionsDir, {
    id: ID,
    start: '2025-03-04T05:06:07.123456Z',
    legs: { incoming: 16000, outgoing: 8000, mixed: 16000, stereo: 32000, extra_agent2: 4000 },
  });
  writeRecording(sessionsDir, { id: 'one-leg', start: '2025-03-04T06:00:00.000000Z', legs: { incoming: 320, outgoing: 0 } });
  incomingName = (info.files as Record<string, string>).incoming_audio;
  incoming = readFileSync(path.join(sessionsDir, ID, incomingName));
  server = await startServer({ sessionsDir, rtpPorts: '50100-50199' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('whole file: 200 audio/wav, Content-Length, Accept-Ranges, the bytes on disk', async () => {
  const res = await get('incoming');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'audio/wav');
  assert.is(res.headers.get('content-length'), String(incoming.length));
  assert.is(res.headers.get('accept-ranges'), 'bytes');
  assert.is(res.headers.get('content-range'), null);
  assert.ok(res.headers.get('etag'));
  assert.ok(res.headers.get('last-modified'));
  assert.is(res.headers.get('content-disposition'), `inline; filename="${incomingName}"`);
  assert.ok(res.body.equals(incoming), 'same bytes as the file');
  assert.is(res.body.subarray(0, 4).toString('latin1'), 'RIFF');
});

test('every leg key the recording lists can be downloaded: outgoing, mixed, stereo, extra_*', async () => {
  const listed = (await server.request('GET', `/api/recordings/${ID}`)).body.recording.audio_files;
  for (const key of Object.keys(listed)) {
    const leg = key.replace(/_audio$/, '');
    const res = await get(leg);
    assert.is(res.status, 200, leg);
    const onDisk = readFileSync(path.join(sessionsDir, ID, listed[key].filename));
    assert.ok(res.body.equals(onDisk), `${leg}: same bytes`);
  }
});

test('closed range → 206 with Content-Range and exactly those bytes', async () => {
  const res = await get('incoming', { range: 'bytes=0-43' });
  assert.is(res.status, 206);
  assert.is(res.headers.get('content-range'), `bytes 0-43/${incoming.length}`);
  assert.is(res.headers.get('content-length'), '44');
  assert.ok(res.body.equals(incoming.subarray(0, 44)));
  const mid = await get('incoming', { range: 'bytes=1000-1999' });
  assert.is(mid.status, 206);
  assert.ok(mid.body.equals(incoming.subarray(1000, 2000)));
  const one = await get('incoming', { range: 'bytes=5-5' });
  assert.is(one.status, 206);
  assert.is(one.headers.get('content-range'), `bytes 5-5/${incoming.length}`);
  assert.is(one.body.length, 1);
});

test('open-ended range → 206 from there to the end', async () => {
  const from = incoming.length - 100;
  const res = await get('incoming', { range: `bytes=${from}-` });
  assert.is(res.status, 206);
  assert.is(res.headers.get('content-range'), `bytes ${from}-${incoming.length - 1}/${incoming.length}`);
  assert.is(res.headers.get('content-length'), '100');
  assert.ok(res.body.equals(incoming.subarray(from)));
  const zero = await get('incoming', { range: 'bytes=0-' });
  assert.is(zero.status, 206);
  assert.ok(zero.body.equals(incoming));
});

test('suffix range → 206 with the last n bytes; a suffix longer than the file → the whole file as 206', async () => {
  const res = await get('incoming', { range: 'bytes=-500' });
  assert.is(res.status, 206);
  assert.is(res.headers.get('content-range'), `bytes ${incoming.length - 500}-${incoming.length - 1}/${incoming.length}`);
  assert.ok(res.body.equals(incoming.subarray(incoming.length - 500)));
  const all = await get('incoming', { range: `bytes=-${incoming.length * 10}` });
  assert.is(all.status, 206);
  assert.is(all.headers.get('content-range'), `bytes 0-${incoming.length - 1}/${incoming.length}`);
  assert.ok(all.body.equals(incoming));
});

test('a last byte past the end is cut to the end', async () => {
  const res = await get('incoming', { range: `bytes=100-${incoming.length + 5000}` });
  assert.is(res.status, 206);
  assert.is(res.headers.get('content-range'), `bytes 100-${incoming.length - 1}/${incoming.length}`);
  assert.ok(res.body.equals(incoming.subarray(100)));
});

test('a range starting at or past the end, or bytes=-0, is 416 with Content-Range: bytes */size', async () => {
  for (const range of [`bytes=${incoming.length}-`, `bytes=${incoming.length + 1}-${incoming.length + 10}`, 'bytes=99999999999-', 'bytes=-0']) {
    const res = await get('incoming', { range });
    assert.is(res.status, 416, range);
    assert.is(res.headers.get('content-range'), `bytes */${incoming.length}`, range);
    const body = JSON.parse(res.body.toString('utf8'));
    assert.is(body.status, 'error', range);
    assert.is(body.code, 'CALLREC_ERR_RANGE_NOT_SATISFIABLE', range);
  }
});

test('invalid or multiple ranges are ignored: 200 with the whole file', async () => {
  for (const range of ['bytes=abc', 'bytes=10-5', 'items=0-10', 'bytes=', 'bytes=-', 'bytes=1-2-3', 'bytes 0-10', 'bytes=0-10,20-30']) {
    const res = await get('incoming', { range });
    assert.is(res.status, 200, range);
    assert.is(res.headers.get('content-range'), null, range);
    assert.ok(res.body.equals(incoming), `${range}: whole file`);
  }
});

test('If-Range: the same ETag keeps the range; another one gets the whole file', async () => {
  const etag = (await get('incoming')).headers.get('etag') as string;
  const same = await get('incoming', { range: 'bytes=0-9', 'if-range': etag });
  assert.is(same.status, 206);
  const other = await get('incoming', { range: 'bytes=0-9', 'if-range': '"something-else"' });
  assert.is(other.status, 200);
  assert.is(other.body.length, incoming.length);
});

test('HEAD: the headers of a GET, no body', async () => {
  const res = await get('incoming', {}, ID, 'HEAD');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-length'), String(incoming.length));
  assert.is(res.headers.get('accept-ranges'), 'bytes');
  assert.is(res.body.length, 0);
  const ranged = await get('incoming', { range: 'bytes=-10' }, ID, 'HEAD');
  assert.is(ranged.status, 206);
  assert.is(ranged.headers.get('content-length'), '10');
});

test('a leg the recording does not have is 404 naming the ones it has; a malformed leg is 400', async () => {
  const missing = await server.request('GET', '/api/recordings/one-leg/audio/mixed');
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'CALLREC_ERR_NOT_FOUND');
  assert.match(missing.body.error, /incoming, outgoing/);
  const unknown = await server.request('GET', `/api/recordings/${ID}/audio/video`);
  assert.is(unknown.status, 404);
  for (const leg of ['in.coming', '_incoming', 'incoming%20', 'a%2fb']) {
    const res = await server.request('GET', `/api/recordings/${ID}/audio/${leg}`);
    assert.is(res.status, 400, leg);
    assert.is(res.body.code, 'CALLREC_ERR_INVALID_LEG', leg);
  }
  // An empty (header-only) leg is still a valid WAV and downloadable.
  const empty = await get('outgoing', {}, 'one-leg');
  assert.is(empty.status, 200);
  assert.is(empty.body.length, 44);
});

test('unknown recording 404; invalid id 400', async () => {
  const res = await server.request('GET', '/api/recordings/nope/audio/incoming');
  assert.is(res.status, 404);
  assert.is(res.body.code, 'CALLREC_ERR_NOT_FOUND');
  const bad = await server.request('GET', '/api/recordings/a%20b/audio/incoming');
  assert.is(bad.status, 400);
  assert.is(bad.body.code, 'CALLREC_ERR_INVALID_ID');
});

test('a file removed behind the index is 404, not 500', async () => {
  const { rmSync } = await import('node:fs');
  const info = readInfoFile(sessionsDir, 'one-leg');
  rmSync(path.join(sessionsDir, 'one-leg', info.files.incoming_audio));
  const res = await server.request('GET', '/api/recordings/one-leg/audio/incoming');
  assert.is(res.status, 404);
  assert.is(res.body.code, 'CALLREC_ERR_NOT_FOUND');
});

test.run();
