/**
 * HTTP control errors and live counters (issue 2, point 6): 400, 409, 404,
 * 503 with JSON error bodies, and GET /api/sessions while a call runs.
 * RTP ports 40300-40399, 40400-40403 (one call's worth) for the 503, and
 * 40410-40429 for the RTP timeout.
 */
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall, isoMicros } from '../helpers/call-check.js';
import { listSessionDirs, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { RtpLeg } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { HttpAnswer, ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '40300-40399';
const TINY_RTP_PORTS = '40400-40403';
const TIMEOUT_RTP_PORTS = '40410-40429';
const PARTIES = { caller_id: '+15551234567', called_number: '+15559876543' };

let server: ServerProcess;
let sessionsDir: string;
const opened: StartedCall[] = [];
const legs: RtpLeg[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('http-errors'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  for (const leg of legs) await leg.close();
  killServers();
  removeTempDirs();
});

function assertError(res: HttpAnswer, status: number, what: string): void {
  assert.is(res.status, status, `${what}: status (body ${res.text})`);
  assert.ok(res.headers.get('content-type')?.startsWith('application/json'), `${what}: JSON error`);
  assert.is(res.body?.status, 'error', `${what}: "status": "error"`);
  assert.type(res.body?.error, 'string', `${what}: "error" message`);
  assert.not.match(res.text, /\n\s+at |\.ts:\d+|\.js:\d+/, `${what}: no stack trace`);
}

async function activeIds(): Promise<string[]> {
  const res = await server.request('GET', '/api/sessions');
  assert.is(res.status, 200);
  return res.body.sessions.map((s: { session_id: string }) => s.session_id);
}

test('invalid bodies are 400 and start nothing', async () => {
  const cases: [string, string | object, Record<string, string>?][] = [
    ['not JSON', '{"caller_id": "+1555",'],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"caller_id"'],
    ['empty object', {}],
    ['missing called_number', { caller_id: '+15551234567' }],
    ['missing caller_id', { called_number: '+15559876543' }],
    ['caller_id not a string', { caller_id: 15551234567, called_number: '+15559876543' }],
    ['empty caller_id', { caller_id: '', called_number: '+15559876543' }],
    ['control characters', { caller_id: 'a\nb', called_number: '+15559876543' }],
    ['unknown field (README)', { ...PARTIES, codec: 'PCMU' }],
    ['session_id not a string', { ...PARTIES, session_id: 42 }],
  ];
  for (const [what, body, headers] of cases) {
    assertError(await server.request('POST', '/api/sessions', body, headers), 400, what);
  }
  assert.equal(await activeIds(), []);
  assert.equal(listSessionDirs(sessionsDir), [], 'no session directory was made');
});

/** Send raw bytes and read the answer until the server closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

test('regression (issue 11: every error body has its code): a request Node\'s HTTP parser refuses is answered in JSON with a code', async () => {
  for (const [what, bytes, status] of [
    ['not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['headers past the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ] as const) {
    const answer = await rawExchange(server.port, bytes);
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${what}: ${JSON.stringify(answer.slice(0, 200))}`);
    assert.match(head, /\r\ncontent-type: application\/json/i, `${what}: JSON`);
    assert.equal(JSON.parse(body), { status: 'error', error: JSON.parse(body).error, code: 'CALLREC_ERR_BAD_REQUEST' }, what);
    assert.match(JSON.parse(body).error, /^malformed request: /, what);
  }
  assert.is((await server.request('GET', '/healthz')).status, 200, 'the recorder still answers');
});

test('a session_id outside ^[A-Za-z0-9._-]{1,64}$ is 400', async () => {
  for (const bad of ['', 'a b', '../escape', 'a/b', '..', '.', 'x'.repeat(65), 'caf\u00e9', 'id;rm']) {
    assertError(await server.request('POST', '/api/sessions', { ...PARTIES, session_id: bad }), 400, `session_id ${JSON.stringify(bad)}`);
  }
  assert.equal(await activeIds(), []);
  assert.equal(listSessionDirs(sessionsDir), []);
  // The longest valid id is accepted (the bound is 64, not less).
  const longest = 'L'.repeat(64);
  const ok = await server.request('POST', '/api/sessions', { ...PARTIES, session_id: longest });
  assert.is(ok.status, 201, ok.text);
  assert.is((await server.request('POST', `/api/sessions/${longest}/hangup`)).status, 200);
});

test('duplicate session_id: 409 while active and after it was recorded; hangups of unknown or ended calls are 404', async () => {
  const first = await server.request('POST', '/api/sessions', { ...PARTIES, session_id: 'dup-1' });
  assert.is(first.status, 201, first.text);
  assertError(await server.request('POST', '/api/sessions', { ...PARTIES, session_id: 'dup-1' }), 409, 'duplicate while active');
  assert.equal(await activeIds(), ['dup-1'], 'the duplicate did not replace or add a session');

  const hangup = await server.request('POST', '/api/sessions/dup-1/hangup');
  assert.is(hangup.status, 200, hangup.text);
  assert.is(hangup.body.session_id, 'dup-1');
  assertError(await server.request('POST', '/api/sessions/dup-1/hangup'), 404, 'second hangup after the end');
  assertError(await server.request('POST', '/api/sessions', { ...PARTIES, session_id: 'dup-1' }), 409, 'duplicate of a recorded id');
  assert.equal(await activeIds(), []);

  assertError(await server.request('POST', '/api/sessions/never-existed/hangup'), 404, 'hangup of an unknown id');
  assertError(await server.request('POST', '/api/sessions/..%2F..%2Fetc/hangup'), 404, 'hangup of a path-like id');
});

test('no free ports: 503, and the ports come back after the hangup', async () => {
  const tinyDir = path.join(makeTempDir('http-errors-tiny'), 'sessions');
  const tiny = await startServer({ sessionsDir: tinyDir, rtpPorts: TINY_RTP_PORTS });
  try {
    const first = await tiny.request('POST', '/api/sessions', PARTIES);
    assert.is(first.status, 201, first.text);
    assert.equal([first.body.rtp.incoming.port, first.body.rtp.outgoing.port].sort(), [40400, 40402]);
    assertError(await tiny.request('POST', '/api/sessions', PARTIES), 503, 'a second call on a one-call range');
    assertError(await tiny.request('POST', '/api/sessions', { ...PARTIES, session_id: 'second' }), 503, 'again, with an id');
    assert.equal(listSessionDirs(tinyDir), [first.body.session_id], 'the refused calls left no directory');
    assert.is((await tiny.request('POST', `/api/sessions/${first.body.session_id}/hangup`)).status, 200);
    const again = await tiny.request('POST', '/api/sessions', { ...PARTIES, session_id: 'second' });
    assert.is(again.status, 201, `after the hangup the ports are free again: ${again.text}`);
    assert.is((await tiny.request('POST', '/api/sessions/second/hangup')).status, 200);
  } finally {
    await tiny.stop('SIGTERM');
  }
});

function droppedTotal(dropped: unknown): number {
  if (typeof dropped === 'number') return dropped;
  return Object.values(dropped as Record<string, number>).reduce((a, b) => a + b, 0);
}

test('GET /api/sessions lists the live call with ports and per-leg packets, bytes, lost and dropped', async () => {
  const call = await startCall(server, {
    body: { ...PARTIES, session_id: 'live-1' },
    incoming: { codec: 'PCMU', seed: 601, packets: 10 },
    outgoing: { codec: 'PCMA', seed: 602, packets: 10 },
  });
  opened.push(call);
  const intruder = await RtpLeg.open({ port: call.answer.rtp.outgoing.port, codec: 'PCMA', seed: 603, packets: 1 });
  legs.push(intruder);
  const { incoming: rtpIn, outgoing: rtpOut } = call.answer.rtp;
  for (const port of [rtpIn.port, rtpOut.port]) {
    assert.ok(port >= 40300 && port <= 40399 && port % 2 === 0, `port ${port}: even, in --rtp-ports`);
  }
  assert.is.not(rtpIn.port, rtpOut.port);

  // Incoming: packets 0-9 without 5 (one lost). Outgoing: 0-4, plus a packet
  // from another source (latching drops it) and a version-1 datagram.
  for (let i = 0; i < 10; i++) {
    if (i !== 5) call.incoming.sendPacket(i);
    if (i < 5) call.outgoing.sendPacket(i);
    if (i === 2) intruder.sendPacket(0);
    if (i === 3) call.outgoing.sendRaw(Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xd5]));
    await sleep(20);
  }

  type Leg = { packets: number; bytes: number; lost: number; dropped: unknown };
  let view: { session_id: string; rtp: typeof call.answer.rtp; legs: { incoming: Leg; outgoing: Leg } } | undefined;
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await server.request('GET', '/api/sessions');
    assert.is(res.status, 200);
    assert.is(res.body.status, 'success');
    view = res.body.sessions.find((s: { session_id: string }) => s.session_id === 'live-1');
    assert.ok(view !== undefined, 'the active call is listed');
    const settled = view.legs.incoming.lost === 1 && view.legs.incoming.packets === 9 && droppedTotal(view.legs.outgoing.dropped) === 2;
    if (settled || Date.now() > deadline) break;
    await sleep(50);
  }
  assert.equal(view.rtp, call.answer.rtp, 'the ports announced at the start');
  const { incoming, outgoing } = view.legs;
  assert.is(incoming.packets, 9, 'incoming packets');
  assert.is(incoming.bytes, 9 * 172, 'incoming bytes (12 header + 160 payload each)');
  assert.is(incoming.lost, 1, 'incoming lost: sequence 5 never came');
  assert.is(droppedTotal(incoming.dropped), 0, 'incoming dropped');
  assert.is(outgoing.packets, 5, 'outgoing packets');
  assert.is(outgoing.bytes, 5 * 172, 'outgoing bytes');
  assert.is(outgoing.lost, 0, 'outgoing lost');
  assert.is(droppedTotal(outgoing.dropped), 2, `outgoing dropped: wrong source + malformed (${JSON.stringify(outgoing.dropped)})`);

  const res = await server.request('POST', '/api/sessions/live-1/hangup');
  assert.is(res.status, 200);
  assert.equal(await activeIds(), [], 'gone from the list after the hangup');
});

test('two POSTs racing for one session_id: one 201, one 409', async () => {
  const answers = await Promise.all([
    server.request('POST', '/api/sessions', { ...PARTIES, session_id: 'race-1' }),
    server.request('POST', '/api/sessions', { ...PARTIES, session_id: 'race-1' }),
  ]);
  assert.equal(answers.map((a) => a.status).sort(), [201, 409], answers.map((a) => a.text).join(' | '));
  assertError(answers.find((a) => a.status === 409)!, 409, 'the loser of the race');
  assert.equal(await activeIds(), ['race-1']);
  assert.is((await server.request('POST', '/api/sessions/race-1/hangup')).status, 200);
});

test('two hangups at once both get the finished session_info (README), a third is 404', async () => {
  const call = await startCall(server, {
    body: { ...PARTIES, session_id: 'twice-1' },
    incoming: { codec: 'PCMA', seed: 611, packets: 10 },
    outgoing: { codec: 'PCMU', seed: 612, packets: 10 },
  });
  opened.push(call);
  await Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
  await sleep(100);
  const [a, b] = await Promise.all([
    server.request('POST', '/api/sessions/twice-1/hangup'),
    server.request('POST', '/api/sessions/twice-1/hangup'),
  ]);
  assert.is(a.status, 200, a.text);
  assert.is(b.status, 200, b.text);
  assert.equal(a.body, b.body);
  assert.type(a.body.end_time, 'string');
  checkRecordedCall(path.join(sessionsDir, 'twice-1'), a.body.files, call, {}, a.body);
  assertError(await server.request('POST', '/api/sessions/twice-1/hangup'), 404, 'a hangup after the end');
});

test('--rtp-timeout: a call whose legs fall silent is ended as if hung up', async () => {
  const dir = path.join(makeTempDir('http-errors-timeout'), 'sessions');
  const quick = await startServer({ sessionsDir: dir, rtpPorts: TIMEOUT_RTP_PORTS, rtpTimeoutSeconds: 1 });
  try {
    const call = await startCall(quick, {
      body: { ...PARTIES, session_id: 'silent-1' },
      incoming: { codec: 'PCMU', seed: 621, packets: 25 },
      outgoing: { codec: 'PCMA', seed: 622, packets: 20 },
    });
    opened.push(call);
    await Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
    const lastPacketWall = Date.now();
    let listed: HttpAnswer | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(100)) {
      listed = await quick.request('GET', '/api/recordings/silent-1');
      if (listed.status === 200) break;
    }
    assert.is(listed?.status, 200, 'the call was ended and listed within 5 s of silence');
    const ids = (await quick.request('GET', '/api/sessions')).body.sessions.map((s: { session_id: string }) => s.session_id);
    assert.equal(ids, [], 'no longer active');
    const info = readInfoFile(dir, 'silent-1');
    assert.is(info.status, 'completed');
    const silentMs = isoMicros(info.end_time) / 1000 - lastPacketWall;
    assert.ok(silentMs >= 900 && silentMs <= 3000, `ended ${silentMs.toFixed(0)} ms after the last packet, want about 1 s (the timeout) plus the sweep`);
    checkRecordedCall(path.join(dir, 'silent-1'), info.files, call, {}, info);
    assertError(await quick.request('POST', '/api/sessions/silent-1/hangup'), 404, 'a hangup after the timeout');
  } finally {
    await quick.stop('SIGTERM');
  }
});

test.run();
