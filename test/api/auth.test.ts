/**
 * --api-token (SPEC §6): with it, every /api/* route and /metrics need
 * `Authorization: Bearer <token>` (401 + WWW-Authenticate otherwise, and the
 * request does nothing); /healthz stays open. Without it, all is open.
 * RTP ports 50300-50399.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { writeRecording } from './support.js';

const TOKEN = 's3cr3t-Token_with.chars~42';
let lockedDir: string;
let locked: ServerProcess;
let open: ServerProcess;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test.before(async () => {
  const root = makeTempDir('api-auth');
  lockedDir = path.join(root, 'locked');
  const openDir = path.join(root, 'open');
  mkdirSync(lockedDir);
  mkdirSync(openDir);
  writeRecording(lockedDir, { id: 'rec-1', start: '2025-01-01T00:00:00.000000Z' });
  writeRecording(openDir, { id: 'rec-1', start: '2025-01-01T00:00:00.000000Z' });
  locked = await startServer({ sessionsDir: lockedDir, rtpPorts: '50300-50349', args: ['--api-token', TOKEN] });
  open = await startServer({ sessionsDir: openDir, rtpPorts: '50350-50399' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

const GUARDED: [string, string][] = [
  ['GET', '/api/recordings'],
  ['GET', '/api/recordings?limit=1'],
  ['GET', '/api/recordings/rec-1'],
  ['GET', '/api/recordings/rec-1/audio/incoming'],
  ['HEAD', '/api/recordings/rec-1/audio/incoming'],
  ['DELETE', '/api/recordings/rec-1'],
  ['GET', '/api/sessions'],
  ['POST', '/api/sessions'],
  ['POST', '/api/sessions/x/hangup'],
  ['GET', '/metrics'],
  ['GET', '/API/recordings'],
  ['GET', '/api/no-such-route'],
];

test('with --api-token: /healthz is open', async () => {
  const res = await locked.request('GET', '/healthz');
  assert.is(res.status, 200);
  assert.is(res.body.status, 'ok');
});

test('with --api-token: no token → 401 with WWW-Authenticate: Bearer, and nothing happens', async () => {
  for (const [method, target] of GUARDED) {
    const body = method === 'POST' && target === '/api/sessions' ? { caller_id: 'a', called_number: 'b' } : undefined;
    const res = await locked.request(method, target, body);
    assert.is(res.status, 401, `${method} ${target}`);
    assert.is(res.headers.get('www-authenticate'), 'Bearer realm="callrec"', `${method} ${target}`);
    if (method !== 'HEAD') {
      assert.is(res.body.status, 'error');
      assert.is(res.body.code, 'CALLREC_ERR_UNAUTHORIZED', `${method} ${target}`);
    }
  }
  assert.ok(existsSync(path.join(lockedDir, 'rec-1')), 'the DELETE did not delete');
  const sessions = await locked.request('GET', '/api/sessions', undefined, bearer(TOKEN));
  assert.equal(sessions.body.sessions, [], 'the POST started nothing');
});

test('with --api-token: a wrong or malformed token → 401 invalid_token', async () => {
  const wrong = [
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN.toUpperCase()}`,
    'Bearer ',
    'Bearer',
    `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
    TOKEN,
    `Bearer ${TOKEN} extra`,
    `Token ${TOKEN}`,
  ];
  for (const header of wrong) {
    const res = await locked.request('GET', '/api/recordings', undefined, { authorization: header });
    assert.is(res.status, 401, header);
    assert.is(res.headers.get('www-authenticate'), 'Bearer realm="callrec", error="invalid_token"', header);
    assert.is(res.body.code, 'CALLREC_ERR_UNAUTHORIZED');
  }
});

test('with --api-token: the right token works on every route (scheme case-insensitive)', async () => {
  const list = await locked.request('GET', '/api/recordings', undefined, bearer(TOKEN));
  assert.is(list.status, 200);
  assert.is(list.body.total_recordings, 1);
  const lower = await locked.request('GET', '/api/recordings/rec-1', undefined, { authorization: `bearer ${TOKEN}` });
  assert.is(lower.status, 200);
  const audio = await locked.request('GET', '/api/recordings/rec-1/audio/incoming', undefined, { ...bearer(TOKEN), range: 'bytes=0-3' });
  assert.is(audio.status, 206);
  assert.is(audio.text, 'RIFF');
  const metrics = await locked.request('GET', '/metrics', undefined, bearer(TOKEN));
  assert.is(metrics.status, 200);
  assert.match(metrics.text, /callrec_active_calls/);
  const unknown = await locked.request('GET', '/api/no-such-route', undefined, bearer(TOKEN));
  assert.is(unknown.status, 404);
  const del = await locked.request('DELETE', '/api/recordings/rec-1', undefined, bearer(TOKEN));
  assert.is(del.status, 200);
  assert.not.ok(existsSync(path.join(lockedDir, 'rec-1')));
});

test('with --api-token: the token never appears in the logs', async () => {
  assert.not.ok(locked.stdout.includes(TOKEN), 'stdout');
  assert.not.ok(locked.stderr.includes(TOKEN), 'stderr');
});

test('without --api-token: everything is open, a stray Authorization header is ignored', async () => {
  for (const target of ['/healthz', '/api/recordings', '/api/recordings/rec-1', '/api/recordings/rec-1/audio/mixed', '/api/sessions', '/metrics']) {
    const res = await open.request('GET', target);
    assert.is(res.status, 200, target);
    assert.is(res.headers.get('www-authenticate'), null, target);
  }
  const stray = await open.request('GET', '/api/recordings', undefined, bearer('whatever'));
  assert.is(stray.status, 200);
});

test.run();
