/**
 * DELETE /api/recordings/:id (SPEC §5): 200 and the directory and listing
 * are gone; an active call is 409 and keeps recording; after its hangup it
 * can be deleted, and its id used again; unknown 404, invalid 400;
 * concurrent deletes of one id both succeed once; leftovers of a deletion cut
 * short are removed at start. A real call over HTTP + RTP.
 * RTP ports 50200-50299.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { writeRecording } from './support.js';

let sessionsDir: string;
let server: ServerProcess;
const opened: StartedCall[] = [];

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-delete'), 'sessions');
  mkdirSync(sessionsDir);
  for (let i = 0; i < 4; i++) writeRecording(sessionsDir, { id: `old-${i}`, start: `2025-02-0${i + 1}T12:00:00.000000Z` });
  // What a crash between rename and removal leaves behind.
  mkdirSync(path.join(sessionsDir, '.deleting~old-9~abcd1234'));
  writeFileSync(path.join(sessionsDir, '.deleting~old-9~abcd1234', 'session_info.json'), '{}');
  server = await startServer({ sessionsDir, rtpPorts: '50200-50299' });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

test('leftovers of an interrupted deletion are removed at start', async () => {
  for (let i = 0; i < 500 && existsSync(path.join(sessionsDir, '.deleting~old-9~abcd1234')); i++) await sleep(20);
  assert.not.ok(existsSync(path.join(sessionsDir, '.deleting~old-9~abcd1234')));
});

test('DELETE a finished recording: 200, directory gone, no longer listed or served', async () => {
  const res = await server.request('DELETE', '/api/recordings/old-0');
  assert.is(res.status, 200);
  assert.equal(res.body, { status: 'success', session_id: 'old-0', message: 'recording old-0 deleted' });
  assert.not.ok(existsSync(path.join(sessionsDir, 'old-0')), 'directory removed');
  assert.equal(readdirSync(sessionsDir).filter((n) => n.startsWith('.deleting')), [], 'no trash left');
  assert.is((await server.request('GET', '/api/recordings/old-0')).status, 404);
  assert.is((await server.request('GET', '/api/recordings/old-0/audio/incoming')).status, 404);
  const list = await server.request('GET', '/api/recordings');
  assert.is(list.body.total_recordings, 3);
  assert.not.ok(list.body.recordings.some((r: { session_id: string }) => r.session_id === 'old-0'));
  const again = await server.request('DELETE', '/api/recordings/old-0');
  assert.is(again.status, 404);
  assert.is(again.body.code, 'CALLREC_ERR_NOT_FOUND');
});

/**
 * Two requests that reach the server in the same moment: each is written on
 * its own connection but for its last byte, then both last bytes go out in
 * one tick, so the server reads both in one event-loop turn. (Two fetch()
 * calls side by side only overlap by chance: on a busy machine the first
 * deletion can finish before the second request is even read, and a DELETE
 * after a finished deletion is rightly 404.) Resolves with both status codes.
 */
async function simultaneousRequests(method: string, target: string): Promise<number[]> {
  const request = Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const sockets = await Promise.all([0, 1].map(() => new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  })));
  const answers = sockets.map((socket) => new Promise<number>((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.once('error', reject);
    socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  }));
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.write(request.subarray(0, -1), () => resolve()))));
  await sleep(50); // both heads are in the server's buffers, waiting for their last byte
  for (const socket of sockets) socket.write(request.subarray(-1));
  return Promise.all(answers);
}

test('two DELETEs of one recording at once: both 200, deleted once', async () => {
  const [a, b] = await simultaneousRequests('DELETE', '/api/recordings/old-1');
  assert.is(a, 200);
  assert.is(b, 200);
  assert.not.ok(existsSync(path.join(sessionsDir, 'old-1')));
  const deletions = server.logs.filter((l) => l.session_id === 'old-1' && /Deleted recording/.test(l.msg));
  assert.is(deletions.length, 1, 'one deletion logged');
  assert.is(deletions[0].reason, 'api');
});

test('unknown id 404, invalid id 400, DELETE on the list 405', async () => {
  const unknown = await server.request('DELETE', '/api/recordings/never-was');
  assert.is(unknown.status, 404);
  const invalid = await server.request('DELETE', '/api/recordings/a%20b');
  assert.is(invalid.status, 400);
  assert.is(invalid.body.code, 'CALLREC_ERR_INVALID_ID');
  const list = await server.request('DELETE', '/api/recordings');
  assert.is(list.status, 405);
});

test('an active call: DELETE and its audio are 409 and it keeps recording; after hangup it deletes, and its id is free again', async () => {
  const call = await startCall(server, {
    body: { caller_id: '+15551230000', called_number: '+15559870000', session_id: 'live-1' },
    incoming: { codec: 'PCMU', seed: 11, packets: 25 },
    outgoing: { codec: 'PCMU', seed: 12, packets: 25 },
  });
  opened.push(call);
  const sending = Promise.all([call.incoming.start(), call.outgoing.start()]);
  await sleep(100);
  const refused = await server.request('DELETE', '/api/recordings/live-1');
  assert.is(refused.status, 409);
  assert.is(refused.body.code, 'CALLREC_ERR_SESSION_ACTIVE');
  const audio = await server.request('GET', '/api/recordings/live-1/audio/incoming');
  assert.is(audio.status, 409);
  assert.ok(existsSync(path.join(sessionsDir, 'live-1')), 'still on disk');
  await sending;
  await sleep(100);
  const hangup = await server.request('POST', '/api/sessions/live-1/hangup');
  assert.is(hangup.status, 200);
  assert.ok(hangup.body.files.mixed_audio, 'both legs had audio');
  const wav = await fetch(`${server.url}/api/recordings/live-1/audio/mixed`);
  assert.is(wav.status, 200);
  assert.is(Number(wav.headers.get('content-length')), hangup.body.file_bytes.mixed_audio);
  await wav.arrayBuffer();
  const deleted = await server.request('DELETE', '/api/recordings/live-1');
  assert.is(deleted.status, 200);
  assert.not.ok(existsSync(path.join(sessionsDir, 'live-1')));
  const reuse = await server.request('POST', '/api/sessions', { caller_id: 'a', called_number: 'b', session_id: 'live-1' });
  assert.is(reuse.status, 201, `the id is free again: ${reuse.text}`);
  assert.is((await server.request('POST', '/api/sessions/live-1/hangup')).status, 200);
});

test.run();
