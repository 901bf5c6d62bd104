/**
 * Hardening (issue 5): path traversal in ids and legs never reaches the file
 * system (400/404, never a file's bytes), hostile metadata cannot point a
 * download outside the session directory, unknown routes and methods are
 * JSON errors, bodies over 64 KiB are 413, bad input is a clear 400, and no
 * answer carries a stack trace. Raw requests go through net, so nothing
 * normalises `..` or decodes `%2f` before the server sees it.
 * RTP ports 50500-50599.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { rawRequest, writeRecording } from './support.js';

const SECRET = 'TOP-SECRET-CANARY-0123456789';
let root: string;
let sessionsDir: string;
let server: ServerProcess;

function assertNoLeak(res: { status: number; body: string }, what: string): void {
  assert.not.ok(res.body.includes(SECRET), `${what}: the canary's bytes are not served`);
  assert.not.match(res.body, /\n\s+at |node_modules|\.ts:\d+/, `${what}: no stack trace`);
}

function json(res: { body: string }, what: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    return JSON.parse(res.body);
  } catch {
    assert.unreachable(`${what}: answer is not JSON: ${JSON.stringify(res.body)}`);
  }
}

test.before(async () => {
  root = makeTempDir('api-hardening');
  sessionsDir = path.join(root, 'sessions');
  mkdirSync(sessionsDir);
  // Canaries outside the sessions directory.
  writeFileSync(path.join(root, 'secret.wav'), SECRET);
  mkdirSync(path.join(root, 'other'));
  writeFileSync(path.join(root, 'other', 'session_info.json'), SECRET);
  writeRecording(sessionsDir, { id: 'good-1', start: '2025-01-02T10:00:00.000000Z' });
  // Hostile metadata: file names that try to leave the session directory.
  writeRecording(sessionsDir, {
    id: 'hostile-1',
    start: '2025-01-02T11:00:00.000000Z',
    override: {
      files: {
        incoming_audio: '../../secret.wav',
        outgoing_audio: path.join(root, 'secret.wav'),
        mixed_audio: '..',
        stereo_audio: 'a/../../../secret.wav',
        extra_x_audio: 'link.wav',
      },
    },
  });
  symlinkSync(path.join(root, 'secret.wav'), path.join(sessionsDir, 'hostile-1', 'link.wav'));
  server = await startServer({ sessionsDir, rtpPorts: '50500-50599' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('sanity: a good download works through the same raw client', async () => {
  const res = await rawRequest(server.port, 'GET', '/api/recordings/good-1/audio/incoming');
  assert.is(res.status, 200);
  assert.is(res.headers['content-type'], 'audio/wav');
});

const TRAVERSALS: [string, string, number[]][] = [
  ['GET', '/api/recordings/../audio/incoming', [400]],
  ['GET', '/api/recordings/%2e%2e/audio/incoming', [400]],
  ['GET', '/api/recordings/%2E%2E/audio/incoming', [400]],
  ['GET', '/api/recordings/.%2e/audio/incoming', [400]],
  ['GET', '/api/recordings/%2e%2e%2f%2e%2e%2fsecret.wav/audio/incoming', [400]],
  ['GET', '/api/recordings/..%2f..%2fother/audio/incoming', [400]],
  ['GET', '/api/recordings/%2fetc%2fpasswd/audio/incoming', [400]],
  ['GET', '/api/recordings/%2Fetc%2Fpasswd', [400]],
  ['GET', '/api/recordings/..%5c..%5csecret.wav/audio/incoming', [400]],
  ['GET', '/api/recordings/%00/audio/incoming', [400]],
  ['GET', '/api/recordings/good-1%00/audio/incoming', [400]],
  ['GET', '/api/recordings/good-1%00.wav', [400]],
  ['GET', '/api/recordings/good-1/audio/incoming%00', [400]],
  ['GET', '/api/recordings/good-1/audio/..', [400]],
  ['GET', '/api/recordings/good-1/audio/%2e%2e', [400]],
  ['GET', '/api/recordings/good-1/audio/..%2f..%2f..%2fsecret.wav', [400]],
  ['GET', '/api/recordings/good-1/audio/%2fetc%2fpasswd', [400]],
  ['GET', '/api/recordings/good-1/audio/..%2fhostile-1%2fincoming', [400]],
  ['GET', '/api/recordings/good-1/../../secret.wav', [404]],
  ['GET', '/api/recordings/good-1/audio/../../../../secret.wav', [404]],
  ['GET', '/api/recordings//etc/passwd', [404]],
  ['GET', '/../secret.wav', [404]],
  ['GET', '/%2e%2e/secret.wav', [404]],
  ['GET', '/api/recordings/%E0%A4%A/audio/incoming', [400, 404]],
  ['GET', '/api/recordings/%zz/audio/incoming', [400, 404]],
  ['HEAD', '/api/recordings/%2e%2e/audio/incoming', [400]],
  ['DELETE', '/api/recordings/..', [400]],
  ['DELETE', '/api/recordings/%2e%2e', [400]],
  ['DELETE', '/api/recordings/%2e%2e%2fother', [400]],
  ['DELETE', '/api/recordings/.', [400]],
  ['DELETE', '/api/recordings/%2e', [400]],
  ['DELETE', '/api/recordings/%00', [400]],
  ['DELETE', '/api/recordings/../other', [404]],
];

test('ids and legs that try to leave the sessions directory are 400/404 and serve or delete nothing', async () => {
  for (const [method, target, statuses] of TRAVERSALS) {
    const res = await rawRequest(server.port, method, target);
    const what = `${method} ${target}`;
    assert.ok(statuses.includes(res.status), `${what}: ${res.status} ${res.body}, expected ${statuses.join('/')}`);
    assertNoLeak(res, what);
    if (method !== 'HEAD') {
      const body = json(res, what);
      assert.is(body.status, 'error', what);
      assert.type(body.error, 'string', what);
      assert.match(body.code, /^CALLREC_ERR_/, what);
    }
  }
  assert.ok(existsSync(path.join(root, 'secret.wav')), 'canary file still there');
  assert.is(readFileSync(path.join(root, 'other', 'session_info.json'), 'utf8'), SECRET, 'canary dir still there');
  assert.ok(existsSync(path.join(sessionsDir, 'good-1', 'session_info.json')), 'the good recording is untouched');
  assert.is((await server.request('GET', '/api/recordings')).body.total_recordings, 2);
});

test('absolute-form and asterisk request targets are not files either', async () => {
  for (const target of ['http://127.0.0.1/../secret.wav', `file://${path.join(root, 'secret.wav')}`]) {
    const res = await rawRequest(server.port, 'GET', target);
    assert.ok(res.status === 400 || res.status === 404, `${target}: ${res.status}`);
    assertNoLeak(res, target);
  }
});

test('metadata naming a file outside the session directory, or a symlink, is 404, not the file', async () => {
  for (const leg of ['incoming', 'outgoing', 'mixed', 'stereo', 'extra_x']) {
    const res = await rawRequest(server.port, 'GET', `/api/recordings/hostile-1/audio/${leg}`);
    assert.is(res.status, 404, `${leg}: ${res.status} ${res.body}`);
    assertNoLeak(res, leg);
    assert.is(json(res, leg).code, 'CALLREC_ERR_NOT_FOUND');
  }
});

test('unknown routes are 404 JSON; a method a route does not take is 405 JSON with Allow', async () => {
  for (const target of ['/nope', '/api', '/api/', '/api/recordings/good-1/audio', '/api/recordings/good-1/audio/incoming/more', '/metrics/x']) {
    const res = await server.request('GET', target);
    assert.is(res.status, 404, target);
    assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8', target);
    assert.equal(res.body, { status: 'error', error: `no route for GET ${target}`, code: 'CALLREC_ERR_NOT_FOUND' }, target);
  }
  const put = await server.request('PUT', '/api/recordings/good-1', {});
  assert.is(put.status, 405);
  assert.is(put.body.code, 'CALLREC_ERR_METHOD_NOT_ALLOWED');
  assert.match(put.headers.get('allow') ?? '', /DELETE/);
  const del = await server.request('DELETE', '/api/recordings');
  assert.is(del.status, 405);
  assert.match(del.headers.get('allow') ?? '', /GET/);
});

test('bodies over 64 KiB are 413, by Content-Length or by streaming, and start nothing', async () => {
  const big = JSON.stringify({ caller_id: 'a', called_number: 'b', pad: 'x'.repeat(70 * 1024) });
  const res = await server.request('POST', '/api/sessions', big);
  assert.is(res.status, 413);
  assert.is(res.body.code, 'CALLREC_ERR_BODY_TOO_LARGE');
  // Declared huge, nothing sent: answered at once.
  const declared = await rawRequest(server.port, 'POST', '/api/sessions', { 'content-type': 'application/json', 'content-length': String(1 << 30) });
  assert.is(declared.status, 413);
  // Chunked, no length: cut off once past the limit.
  const chunked = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', (err) => (text.length > 0 ? resolve(text) : reject(err)));
    socket.write('POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 8; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  });
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  assert.is((await server.request('GET', '/api/sessions')).body.sessions.length, 0);
});

test('bad input is a clear 400 JSON error', async () => {
  const cases: [string, string, string | undefined, string][] = [
    ['POST', '/api/sessions', '{"caller_id": ', 'CALLREC_ERR_INVALID_BODY'],
    ['POST', '/api/sessions', '[1,2]', 'CALLREC_ERR_INVALID_BODY'],
    ['POST', '/api/sessions', '{"caller_id":"a"}', 'CALLREC_ERR_INVALID_BODY'],
    ['POST', '/api/sessions', '{"caller_id":"a","called_number":"b","session_id":"../x"}', 'CALLREC_ERR_INVALID_ID'],
    ['GET', '/api/recordings?limit=abc', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?limit=1001', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?limit=-1', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?offset=1.5', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?from=yesterday', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?to=2025-13-45', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings?caller_id=a&caller_id=b', undefined, 'CALLREC_ERR_INVALID_QUERY'],
    ['GET', '/api/recordings/good-1/audio/in%20coming', undefined, 'CALLREC_ERR_INVALID_LEG'],
    ['GET', `/api/recordings/${'a'.repeat(65)}`, undefined, 'CALLREC_ERR_INVALID_ID'],
  ];
  for (const [method, target, body, code] of cases) {
    const res = await server.request(method, target, body);
    const what = `${method} ${target} ${body ?? ''}`;
    assert.is(res.status, 400, `${what}: ${res.text}`);
    assert.is(res.body.status, 'error', what);
    assert.is(res.body.code, code, what);
    assert.ok(res.body.error.length > 5, `${what}: a message that says what is wrong`);
    assertNoLeak({ status: res.status, body: res.text }, what);
  }
  const form = await server.request('POST', '/api/sessions', 'caller_id=a', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.is(form.status, 415);
});

test.run();
