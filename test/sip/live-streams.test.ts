/**
 * The compiled recorder with SIP on, over UDP, for what goes beyond two legs
 * and a steady call:
 *   - a three-m-line SIPREC INVITE (OpenSIPS style): RTP on all three
 *     answered ports; the third stream is extra_<label>_….wav, listed as
 *     extra_<label>_audio, and the mix is floor((a+b+c)/3) on one timeline;
 *   - a re-INVITE that adds a third stream in the middle of a call;
 *   - a call held (every stream a=inactive) longer than --rtp-timeout 1 is
 *     not ended; resumed and silent, it ends by RTP timeout (with our BYE);
 *   - an SDP-only INVITE whose metadata comes in a re-INVITE: caller_id and
 *     called_number follow the metadata in session_info.json and the index.
 * RTP ports 39820-39999, SIP ports 35100-35119.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { getHeader, parseSdp, parseSipMessage } from '../../src/sip/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/index.js';
import { assertLegAudio } from '../helpers/call-check.js';
import { sleep } from '../helpers/calls.js';
import { RtpLeg } from '../helpers/rtp-sender.js';
import type { RtpLegOptions } from '../helpers/rtp-sender.js';
import { killServers } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readCanonicalWav } from '../helpers/wav.js';
import { crlf, rewrite, sipMessage } from './fixtures/build.js';
import { ciscoCube, openSips, sdpOnly } from './fixtures/vendors.js';
import type { InviteParams } from './fixtures/vendors.js';
import { SipClient, eventually, sessionInfoByCallId, startSipRecorder } from './support.js';
import type { SipRecorder } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const SIP_PORTS = [35100, 35119] as const;
/** Most tests: the default RTP timeout. */
let rec: SipRecorder;
let dir: string;
/** The hold test: --rtp-timeout 1. */
let quick: SipRecorder;
let quickDir: string;
const clients: SipClient[] = [];
const legs: RtpLeg[] = [];

setupSuite(test, async () => {
  dir = makeTempDir('sip-streams');
  quickDir = makeTempDir('sip-hold');
  rec = await startSipRecorder({ sessionsDir: dir, rtpPorts: '39820-39899', sipPorts: SIP_PORTS });
  quick = await startSipRecorder({ sessionsDir: quickDir, rtpPorts: '39900-39999', rtpTimeoutSeconds: 1, sipPorts: SIP_PORTS });
});

test.after(async () => {
  for (const c of clients) c.close();
  await Promise.all(legs.map((l) => l.close()));
  killServers();
  removeTempDirs();
});

let seq = 0;
async function call(r: SipRecorder, tag: string): Promise<{ c: SipClient; p: InviteParams }> {
  const c = await SipClient.open('udp', r.sipPort);
  clients.push(c);
  seq++;
  return {
    c,
    p: {
      transport: 'UDP',
      host: '127.0.0.1',
      port: c.localPort,
      srs: `127.0.0.1:${r.sipPort}`,
      callId: `${tag}-${seq}-${process.pid}@127.0.0.1`,
      branch: `z9hG4bK${tag}${seq}`,
      fromTag: `ft${tag}${seq}`,
    },
  };
}

/** An in-dialog request from the SRC (ACK, re-INVITE, UPDATE, BYE). */
function inDialog(c: SipClient, r: SipRecorder, ok: SipResponse, method: string, cseq: number, extra: string[] = [], body = ''): Buffer {
  return sipMessage(
    [
      `${method} sip:srs@127.0.0.1:${r.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${c.localPort};branch=z9hG4bK${method.toLowerCase()}${cseq}-${seq};rport`,
      'Max-Forwards: 70',
      `From: ${getHeader(ok, 'from')}`,
      `To: ${getHeader(ok, 'to')}`,
      `Call-ID: ${getHeader(ok, 'call-id')}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:src@127.0.0.1:${c.localPort};transport=udp>`,
      ...extra,
    ],
    body,
  );
}

/** Send an offer in the dialog and wait for its 200 (ACKed when it is an INVITE); returns the answer's ports and directions. */
async function reoffer(c: SipClient, r: SipRecorder, ok: SipResponse, method: 'INVITE' | 'UPDATE', cseq: number, contentType: string, body: string): Promise<Array<[number, string]>> {
  c.send(inDialog(c, r, ok, method, cseq, [`Content-Type: ${contentType}`], body));
  const res = await c.waitForResponse(200, `${cseq} ${method}`);
  if (method === 'INVITE') c.send(inDialog(c, r, ok, 'ACK', cseq));
  return parseSdp(res.body.toString())!.media.map((m) => [m.port, m.direction]);
}

/** An SDP offer of audio lines [label, direction] (PCMU, PCMA, telephone-event 101). */
function audioOffer(version: number, lines: Array<[string, string]>): string {
  const out = ['v=0', `o=src 1001 ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  lines.forEach(([label, dir], i) => {
    out.push(`m=audio ${16384 + 2 * i} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', `a=label:${label}`, `a=${dir}`);
  });
  return crlf(out);
}

async function rtpLeg(opts: RtpLegOptions): Promise<RtpLeg> {
  const leg = await RtpLeg.open(opts);
  legs.push(leg);
  return leg;
}

async function finished(sessionsDir: string, callId: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(async () => {
    const info = await sessionInfoByCallId(sessionsDir, callId);
    return info?.end_time === undefined ? undefined : info;
  }, 15_000, `the finished session_info.json of ${callId}`);
}

async function hangUp(c: SipClient, r: SipRecorder, ok: SipResponse, cseq: number): Promise<void> {
  c.send(inDialog(c, r, ok, 'BYE', cseq));
  await c.waitForResponse(200, `${cseq} BYE`);
}

/** mixed[n] = floor(sum of legs[n] / count) over the longest leg, a missing sample counting as 0. */
function assertAverageMix(mixed: Int16Array, inputs: Int16Array[], label: string): void {
  const length = Math.max(...inputs.map((x) => x.length));
  assert.is(mixed.length, length, `${label}: mixed is as long as the longest leg`);
  for (let n = 0; n < length; n++) {
    let sum = 0;
    for (const x of inputs) sum += n < x.length ? x[n] : 0;
    const want = Math.floor(sum / inputs.length);
    if (mixed[n] !== want) assert.unreachable(`${label}: mixed[${n}] = ${mixed[n]}, want floor(${inputs.map((x) => x[n] ?? 0).join(' + ')} / ${inputs.length}) = ${want}`);
  }
}

/** Every leg file of a finished call, by file key, and the files' check against what each RtpLeg sent. */
function checkFiles(sessionDir: string, info: Record<string, any>, sent: Record<string, RtpLeg>): Record<string, Int16Array> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const samples: Record<string, Int16Array> = {};
  for (const [key, leg] of Object.entries(sent)) {
    assert.type(info.files[key], 'string', `files.${key}`);
    samples[key] = readCanonicalWav(path.join(sessionDir, info.files[key]));
    assertLegAudio(samples[key], leg.expected(), `${key} (${leg.codec})`);
  }
  return samples;
}

test('three audio m= lines (OpenSIPS): the third is extra_<label>, listed, and averaged into the mix', async () => {
  const { c, p } = await call(rec, 'three');
  // OpenSIPS offers its third stream inactive; here all three speak.
  c.send(rewrite(openSips.build(p), { body: (b) => b.replace('a=inactive', 'a=sendonly') }));
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, rec, ok, 'ACK', 1));
  const answer = parseSdp(ok.body.toString())!.media;
  assert.equal(answer.map((m) => [m.label, m.direction]), [['0', 'recvonly'], ['1', 'recvonly'], ['2', 'recvonly']]);
  const ports = answer.map((m) => m.port);
  assert.ok(ports.every((port) => port >= 39820 && port <= 39899), `answered ports ${ports}`);
  assert.is(new Set(ports).size, 3, 'a port per stream');

  const live = (await rec.server.request('GET', '/api/sessions')).body.sessions.find((s: { caller_id: string }) => s.caller_id === 'alice');
  assert.ok(live, 'the call is listed');
  assert.equal([live.rtp.incoming.port, live.rtp.outgoing.port, live.rtp.extra_2.port], ports);

  const packets = 60;
  const a = await rtpLeg({ port: ports[0], codec: 'PCMU', seed: 301, packets });
  const b = await rtpLeg({ port: ports[1], codec: 'PCMA', seed: 302, packets });
  const x = await rtpLeg({ port: ports[2], codec: 'PCMA', seed: 303, packets });
  await Promise.all([a.start(), b.start(40), x.start(90)]);
  await sleep(100);
  await hangUp(c, rec, ok, 2);

  const info = await finished(dir, p.callId);
  const sessionDir = path.join(dir, info.session_id);
  assert.match(info.files.extra_2_audio, /^extra_2_\d{8}_\d{6}\.wav$/);
  assert.is(info.files.extra_2_audio.slice('extra_2_'.length), info.files.incoming_audio.slice('incoming_'.length), 'same timestamp as the legs');
  assert.equal(info.siprec.streams.map((s: { leg: string; port: number }) => [s.leg, s.port]), [['incoming', ports[0]], ['outgoing', ports[1]], ['extra_2', ports[2]]]);
  assert.equal(info.labels, { incoming: '0', outgoing: '1', extra_2: '2' });
  const files = checkFiles(sessionDir, info, { incoming_audio: a, outgoing_audio: b, extra_2_audio: x });
  assertAverageMix(readCanonicalWav(path.join(sessionDir, info.files.mixed_audio)), Object.values(files), 'mixed');
  assert.is(info.stats.extra_2.packets, packets);
});

test('a re-INVITE adding a third stream mid-call: it gets a port of its own, the legs keep theirs', async () => {
  const { c, p } = await call(rec, 'add');
  c.send(ciscoCube.build(p));
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, rec, ok, 'ACK', 1));
  const first = parseSdp(ok.body.toString())!.media.map((m) => m.port);

  const a = await rtpLeg({ port: first[0], codec: 'PCMU', seed: 311, packets: 75 });
  const b = await rtpLeg({ port: first[1], codec: 'PCMU', seed: 312, packets: 75 });
  const sending = Promise.all([a.start(), b.start(10)]);
  await sleep(400);
  const answer = await reoffer(c, rec, ok, 'INVITE', 2, 'application/sdp', audioOffer(2, [['1', 'sendonly'], ['2', 'sendonly'], ['supervisor', 'sendonly']]));
  assert.equal(answer.slice(0, 2), [[first[0], 'recvonly'], [first[1], 'recvonly']], 'the legs keep their ports');
  assert.is(answer[2][1], 'recvonly');
  assert.ok(answer[2][0] >= 39820 && answer[2][0] <= 39899 && !first.includes(answer[2][0]), `a new port: ${answer[2][0]}`);
  const x = await rtpLeg({ port: answer[2][0], codec: 'PCMA', seed: 313, packets: 40 });
  await Promise.all([sending, x.start()]);
  await sleep(100);
  await hangUp(c, rec, ok, 3);

  const info = await finished(dir, p.callId);
  const sessionDir = path.join(dir, info.session_id);
  assert.match(info.files.extra_supervisor_audio, /^extra_supervisor_\d{8}_\d{6}\.wav$/);
  const files = checkFiles(sessionDir, info, { incoming_audio: a, outgoing_audio: b, extra_supervisor_audio: x });
  const start = (s: Int16Array) => s.findIndex((v) => v !== 0);
  assert.ok(start(files.extra_supervisor_audio) - start(files.incoming_audio) >= 400 * 8, 'the added stream starts where it was added on the timeline');
  assertAverageMix(readCanonicalWav(path.join(sessionDir, info.files.mixed_audio)), Object.values(files), 'mixed');
  assert.equal(info.siprec.streams.map((s: { leg: string }) => s.leg), ['incoming', 'outgoing', 'extra_supervisor']);
});

test('held (every stream a=inactive) past --rtp-timeout 1: not ended; resumed and silent: ended by timeout, with our BYE', async () => {
  const { c, p } = await call(quick, 'hold');
  c.send(ciscoCube.build(p));
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, quick, ok, 'ACK', 1));
  const ports = parseSdp(ok.body.toString())!.media.map((m) => m.port);
  const a = await rtpLeg({ port: ports[0], codec: 'PCMU', seed: 321, packets: 10 });
  const b = await rtpLeg({ port: ports[1], codec: 'PCMU', seed: 322, packets: 10 });
  await Promise.all([a.start(), b.start()]);

  const held = await reoffer(c, quick, ok, 'INVITE', 2, 'application/sdp', audioOffer(2, [['1', 'inactive'], ['2', 'inactive']]));
  assert.equal(held, [[ports[0], 'inactive'], [ports[1], 'inactive']]);
  await quick.server.waitForLog((l) => l.msg === 'SIPREC media on hold: the RTP timeout waits' && l.call_id === p.callId);
  await sleep(3000);
  const during = (await quick.server.request('GET', '/api/sessions')).body.sessions;
  assert.is(during.length, 1, 'still recording after 3 s on hold with --rtp-timeout 1');
  assert.is(c.received.filter((m) => m.kind === 'request' && m.method === 'BYE').length, 0, 'no BYE while on hold');

  const resumedAt = Date.now();
  const resumed = await reoffer(c, quick, ok, 'UPDATE', 3, 'application/sdp', audioOffer(3, [['1', 'sendonly'], ['2', 'sendonly']]));
  assert.equal(resumed, [[ports[0], 'recvonly'], [ports[1], 'recvonly']]);
  const bye = (await c.waitFor((m: SipMessage): m is SipRequest => m.kind === 'request' && m.method === 'BYE', 6000)) as SipRequest;
  const waited = Date.now() - resumedAt;
  assert.ok(waited >= 900, `the timeout counts from the resume (BYE after ${waited} ms)`);
  c.send(sipMessage(['SIP/2.0 200 OK', ...['via', 'from', 'to', 'call-id', 'cseq'].map((h) => `${h}: ${getHeader(bye, h)}`)]));
  await quick.server.waitForLog((l) => l.msg === 'ending session' && l.reason === 'rtp_timeout');
  const info = await finished(quickDir, p.callId);
  checkFiles(path.join(quickDir, info.session_id), info, { incoming_audio: a, outgoing_audio: b });
  assert.ok(info.duration_seconds >= 4, `the call lasted through the hold (${info.duration_seconds} s)`);
});

test('an SDP-only INVITE, then metadata in a re-INVITE: caller_id and called_number follow the metadata', async () => {
  const { c, p } = await call(rec, 'late');
  c.send(sdpOnly.build(p));
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, rec, ok, 'ACK', 1));
  const ports = parseSdp(ok.body.toString())!.media.map((m) => m.port);
  const before = (await rec.server.request('GET', '/api/sessions')).body.sessions.find((s: { caller_id: string }) => s.caller_id === '5551000');
  assert.ok(before, 'From / To name the parties at first');

  const cisco = parseSipMessage(ciscoCube.build(p));
  assert.ok(cisco.ok);
  const answer = await reoffer(c, rec, ok, 'INVITE', 2, getHeader(cisco.message, 'content-type')!, cisco.message.body.toString());
  assert.equal(answer.map((l) => l[0]), ports, 'no port moved');
  const live = (await rec.server.request('GET', '/api/sessions')).body.sessions.find((s: { session_id: string }) => s.session_id === before.session_id);
  assert.equal([live.caller_id, live.called_number], ['+15551234567', '+15559876543']);
  // Persisted while the call runs, so a crash-recovered call keeps the parties too.
  await sleep(300);
  const onDisk = readInfoFile(dir, live.session_id);
  assert.equal([onDisk.caller_id, onDisk.called_number, onDisk.end_time], ['+15551234567', '+15559876543', undefined]);
  await hangUp(c, rec, ok, 3);

  const info = await finished(dir, p.callId);
  assert.equal([info.caller_id, info.called_number], ['+15551234567', '+15559876543']);
  assert.equal(info.siprec.participants.map((x: { role: string }) => x.role), ['caller', 'callee']);
  assert.equal(info.siprec.metadata.map((m: { method: string; cseq: number }) => [m.method, m.cseq]), [['INVITE', 2]]);
  const listed = (await rec.server.request('GET', `/api/recordings/${info.session_id}`)).body;
  const byCaller = (await rec.server.request('GET', '/api/recordings?caller_id=%2B15551234567')).body.recordings;
  assert.ok(byCaller.some((r: { session_id: string }) => r.session_id === info.session_id), `found by the new caller_id: ${JSON.stringify(listed)}`);
  const entry = byCaller.find((r: { session_id: string }) => r.session_id === info.session_id);
  assert.equal([entry.caller_id, entry.called_number], ['+15551234567', '+15559876543']);
});

test.run();
