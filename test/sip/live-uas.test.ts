/**
 * The compiled recorder with SIP on, driven over real sockets (UDP and TCP):
 * OPTIONS, an INVITE retransmitted three times (one session), CANCEL/487,
 * 420 and 488, a 4 KB INVITE trickled over TCP, and floods of malformed
 * SIP on both transports while OPTIONS keeps being answered.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import dgram from 'node:dgram';
import { getHeader, parseSdp } from '../../src/sip/index.js';
import type { SipResponse } from '../../src/sip/index.js';
import { killServers } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { createPrng } from '../helpers/prng.js';
import { rewrite, sipMessage } from './fixtures/build.js';
import { ciscoCube, large4k, oracleAcme } from './fixtures/vendors.js';
import type { InviteParams } from './fixtures/vendors.js';
import { SipClient, eventually, sessionInfoByCallId, startSipRecorder, inDialog } from './support.js';
import type { SipRecorder, Transport } from './support.js';

const suite = test;
let rec: SipRecorder;
let sessionsDir: string;
const clients: SipClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

setupSuite(suite, async () => {
  sessionsDir = makeTempDir('sip-live');
  rec = await startSipRecorder({ sessionsDir, rtpPorts: '39600-39799' });
});

suite.after(() => {
  for (const c of clients) c.close();
  killServers();
  removeTempDirs();
});

async function client(transport: Transport): Promise<SipClient> {
  const c = await SipClient.open(transport, rec.sipPort);
  clients.push(c);
  return c;
}

let seq = 0;
function params(c: SipClient, tag: string): InviteParams {
  seq++;
  return {
    transport: c.transport === 'udp' ? 'UDP' : 'TCP',
    host: '127.0.0.1',
    port: c.localPort,
    srs: `127.0.0.1:${rec.sipPort}`,
    callId: `${tag}-${seq}-${process.pid}@127.0.0.1`,
    branch: `z9hG4bK${tag}${seq}`,
    fromTag: `ft${seq}`,
  };
}

function options(c: SipClient, n: number): Buffer {
  return sipMessage([
    `OPTIONS sip:srs@127.0.0.1:${rec.sipPort} SIP/2.0`,
    `Via: SIP/2.0/${c.viaTransport} 127.0.0.1:${c.localPort};branch=z9hG4bKopt${n}-${c.localPort};rport`,
    'Max-Forwards: 70',
    'From: <sip:ping@127.0.0.1>;tag=o1',
    'To: <sip:srs@127.0.0.1>',
    `Call-ID: options-${c.localPort}-${n}`,
    `CSeq: ${n} OPTIONS`,
  ]);
}

for (const transport of ['udp', 'tcp'] as const) {
  suite(`OPTIONS over ${transport}: 200 with Allow, Accept, Supported`, async () => {
    const c = await client(transport);
    c.send(options(c, 1));
    const ok = await c.waitForResponse(200, '1 OPTIONS');
    assert.match(getHeader(ok, 'allow')!, /INVITE/);
    assert.match(getHeader(ok, 'accept')!, /multipart\/mixed/);
    assert.match(getHeader(ok, 'supported')!, /siprec/);
  });
}

suite('an INVITE sent three times is one session with one answer; BYE finalizes it', async () => {
  const c = await client('udp');
  const p = params(c, 'retx');
  const invite = ciscoCube.build(p);
  c.send(invite);
  c.send(invite);
  await sleep(30);
  c.send(invite);
  const ok = await c.waitForResponse(200, '1 INVITE');
  await sleep(700); // past T1: the 200 is retransmitted while no ACK comes
  const oks = c.responses(200, '1 INVITE');
  assert.ok(oks.length >= 2, `${oks.length} copies of the 200`);
  assert.ok(oks.every((o) => o.body.equals(ok.body)), 'the same answer every time');
  const sessions = (await rec.server.request('GET', '/api/sessions')).body.sessions;
  assert.is(sessions.length, 1, 'one session, not three');
  const answer = parseSdp(ok.body.toString())!;
  assert.equal(answer.media.map((m) => m.port), [sessions[0].rtp.incoming.port, sessions[0].rtp.outgoing.port]);
  assert.is(sessions[0].caller_id, '+15551234567');
  assert.is(sessions[0].source, 'sip');

  c.send(inDialog(c, rec.sipPort, ok, 'ACK', 1, 'z9hG4bKack-retx'));
  c.send(inDialog(c, rec.sipPort, ok, 'BYE', 2, 'z9hG4bKbye-retx'));
  await c.waitForResponse(200, '2 BYE');
  const info = await eventually(async () => {
    const i = await sessionInfoByCallId(sessionsDir, p.callId);
    return i?.end_time === undefined ? undefined : i;
  }, 10_000, 'the finished session_info.json');
  assert.is(info.caller_id, '+15551234567');
  assert.is(info.called_number, '+15559876543');
  assert.equal(info.labels, { incoming: '1', outgoing: '2' });
  assert.is(info.siprec.metadata.length, 1);
  assert.match(info.siprec.metadata[0].xml, /participantstreamassoc/);
  const listed = (await rec.server.request('GET', '/api/recordings')).body.recordings;
  assert.ok(listed.some((r: { session_id: string }) => r.session_id === info.session_id), 'listed in /api/recordings');
});

suite('CANCEL before the answer: 200, 487, and no recording left', async () => {
  const c = await client('udp');
  const p = params(c, 'cancel');
  c.send(oracleAcme.build(p));
  c.send(
    sipMessage([
      `CANCEL sip:srs@${p.srs};transport=udp SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${c.localPort};branch=${p.branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:acme-src@acme.example.com>;tag=${p.fromTag}`,
      `To: <sip:srs@${p.srs}>`,
      `Call-ID: ${p.callId}`,
      'CSeq: 1 CANCEL',
    ]),
  );
  await c.waitForResponse(200, '1 CANCEL');
  const r487 = await c.waitForResponse(487, '1 INVITE');
  c.send(
    sipMessage([
      `ACK sip:srs@${p.srs} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${c.localPort};branch=${p.branch}`,
      `From: <sip:acme-src@acme.example.com>;tag=${p.fromTag}`,
      `To: ${getHeader(r487, 'to')}`,
      `Call-ID: ${p.callId}`,
      'CSeq: 1 ACK',
    ]),
  );
  // The ports were being bound when the CANCEL came: that session is dropped once it exists.
  await rec.server.waitForLog((l) => l.msg === 'SIPREC INVITE not answered: recording discarded' && l.call_id === p.callId, 5000);
  await eventually(async () => ((await rec.server.request('GET', '/api/sessions')).body.sessions.length === 0 ? true : undefined), 5000, 'no active session');
  assert.is(c.responses(200, '1 INVITE').length, 0);
  assert.is(await sessionInfoByCallId(sessionsDir, p.callId), undefined, 'nothing recorded');
});

suite('420 for an unknown required extension, 488 for no decodable codec', async () => {
  const c = await client('tcp');
  const p = params(c, 'bad');
  c.send(rewrite(ciscoCube.build(p), { head: (h) => h.replace('Require: siprec', 'Require: siprec, x-foo') }));
  const r420 = await c.waitForResponse(420, '1 INVITE');
  assert.is(getHeader(r420, 'unsupported'), 'x-foo');
  const q = params(c, 'g729');
  c.send(rewrite(ciscoCube.build(q), { body: (b) => b.replace(/RTP\/AVP 0 8 101/g, 'RTP/AVP 18').replace(/a=rtpmap:[08] PCM[UA]\/8000\r\n/g, '') }));
  const r488 = await c.waitForResponse(488, '1 INVITE');
  assert.match(getHeader(r488, 'warning')!, /^305/);
  assert.is((await rec.server.request('GET', '/api/sessions')).body.sessions.length, 0);
});

suite('a 4 KB INVITE trickled over TCP in small pieces is answered', async () => {
  const c = await client('tcp');
  const p = params(c, 'big');
  const bytes = large4k.build(p);
  for (let i = 0; i < bytes.length; i += 300) {
    c.send(bytes.subarray(i, i + 300));
    await sleep(5);
  }
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, rec.sipPort, ok, 'ACK', 1, 'z9hG4bKack-big'));
  c.send(inDialog(c, rec.sipPort, ok, 'BYE', 2, 'z9hG4bKbye-big'));
  await c.waitForResponse(200, '2 BYE');
});

suite('floods of malformed SIP over UDP and TCP: dropped, OPTIONS still answered', async () => {
  const prng = createPrng(0xf100d);
  const rand = () => prng() / 2 ** 32;
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const valid = ciscoCube.build({ ...params(await client('udp'), 'fl'), branch: 'z9hG4bKflood' });
  const garbage = (): Buffer => {
    const kind = Math.floor(rand() * 4);
    if (kind === 0) return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 1400) }, () => Math.floor(rand() * 256)));
    if (kind === 1) {
      const m = Buffer.from(valid);
      for (let k = 0; k < 8; k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      return m;
    }
    if (kind === 2) return valid.subarray(0, Math.floor(rand() * valid.length));
    return Buffer.from('INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKg\r\nContent-Length: 99999\r\n\r\nx');
  };

  const tcpAttackers: net.Socket[] = [];
  const attack = async (payload: Buffer | string) => {
    const s = net.connect({ host: '127.0.0.1', port: rec.sipPort });
    s.on('error', () => {});
    tcpAttackers.push(s);
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(payload);
    return s;
  };
  // Half-open: a message started and never finished (held until its timeout, blocking nothing).
  const halfOpen = await attack('INVITE sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKhalf\r\nContent-Length: 500\r\n\r\nv=0');
  // A connection that only ever sends garbage.
  const junk = await attack('\x00\x01garbage\r\n\r\n');
  // Headers that never end: closed past 16 KiB.
  const endless = await attack(`OPTIONS sip:srs SIP/2.0\r\nX-Junk: ${'j'.repeat(20_000)}`);
  // A Content-Length far past the limit: closed.
  const huge = await attack('INVITE sip:srs SIP/2.0\r\nContent-Length: 10000000\r\n\r\n');

  const udpClient = await client('udp');
  const tcpClient = await client('tcp');
  let n = 100;
  let answered = 0;
  const started = Date.now();
  while (Date.now() - started < 2500) {
    for (let i = 0; i < 50; i++) udp.send(garbage(), rec.sipPort, '127.0.0.1');
    if (!junk.destroyed) junk.write(garbage());
    const cseqs = [++n, ++n];
    udpClient.send(options(udpClient, cseqs[0]));
    tcpClient.send(options(tcpClient, cseqs[1]));
    await udpClient.waitForResponse(200, `${cseqs[0]} OPTIONS`, 2000);
    await tcpClient.waitForResponse(200, `${cseqs[1]} OPTIONS`, 2000);
    answered += 2;
    await sleep(20);
  }
  assert.ok(answered >= 20, `${answered} OPTIONS answered during the flood`);
  await eventually(() => (endless.destroyed && huge.destroyed ? true : undefined), 3000, 'oversized TCP input closed');
  assert.not.ok(halfOpen.destroyed, 'a half-open connection is held until its timeout, not earlier');
  udp.close();
  for (const s of tcpAttackers) s.destroy();
  assert.is((await rec.server.request('GET', '/healthz')).status, 200);
  // A mutated INVITE that still parses is a call like any other; shutdown must end those cleanly too.

  const exit = await rec.server.stop('SIGTERM');
  assert.is(exit.code, 0);
  const closed = rec.server.logs.find((l) => l.msg === 'SIP recording server closed')!;
  assert.ok(closed, 'SIP counters logged at shutdown');
  assert.ok((closed.parse_errors as number) > 100, `parse errors counted: ${closed.parse_errors}`);
  assert.ok((closed.tcp_closed_headers_too_large as number) >= 1);
  assert.ok((closed.tcp_closed_body_too_large as number) >= 1);
});

suite.run();
