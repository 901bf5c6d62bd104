/**
 * Latching rules of issue 11 item 3 (src/ingest/receiver.ts): a leg latches
 * only on audio we record, RTCP on the RTP port is counted and never latched
 * on, a new source takes a silent leg over after a run of in-sequence audio,
 * and one stray packet during a live stream takes nothing. Runs on the
 * receive path CALLREC_RTP_IO names. RTP ports 38300-38399.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { RtpLeg, buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const RTP_PORTS = '38300-38399';
const SETTLE_MS = 200;

let server: ServerProcess;
let sessionsDir: string;
const opened: RtpLeg[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('latching-rules'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  await Promise.all(opened.map((leg) => leg.close()));
  killServers();
  removeTempDirs();
});

async function call(incomingPackets: number, seed: number): Promise<StartedCall> {
  const c = await startCall(server, {
    incoming: { codec: 'PCMU', seed, packets: incomingPackets },
    outgoing: { codec: 'PCMA', seed: seed + 1, packets: 50 },
  });
  opened.push(c.incoming, c.outgoing);
  return c;
}

async function hangup(c: StartedCall): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await sleep(SETTLE_MS);
  const res = await server.request('POST', `/api/sessions/${c.id}/hangup`);
  assert.is(res.status, 200, `hangup: ${res.status} ${res.text}`);
  return res.body;
}

/** Send datagrams from one fresh socket (a stray source), then close it. */
async function sendStray(port: number, ...datagrams: Uint8Array[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => s.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

/** An RTCP sender report (RFC 3550 §6.4.1) with no report blocks: 28 bytes, second byte 200. */
function rtcpSenderReport(): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(0x1234abcd, 4);
  return b;
}

test('an RTCP packet (PT 72 with the marker: SR) from another port before the audio does not latch the leg; counted rtcp', async () => {
  const c = await call(100, 3901);
  await sendStray(c.incoming.port, rtcpSenderReport());
  await sleep(50);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  const info = await hangup(c);
  const s = info.stats.incoming;
  assert.is(s.dropped.wrong_source, 0, `the phone's packets were wrong_source: the RTCP latched the leg. ${JSON.stringify(s)}`);
  assert.is(s.dropped.rtcp, 1, `rtcp counted: ${JSON.stringify(s)}`);
  assert.is(s.recorded, c.incoming.sent);
  checkRecordedCall(path.join(sessionsDir, c.id), info.files, c, {}, info);
});

test('RTCP from the latched source itself is counted rtcp and never reaches the worker', async () => {
  const c = await call(50, 3911);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  for (let i = 0; i < 3; i++) c.incoming.sendRaw(rtcpSenderReport());
  const info = await hangup(c);
  const s = info.stats.incoming;
  assert.is(s.dropped.rtcp, 3, JSON.stringify(s));
  assert.is(s.dropped.malformed, 0, JSON.stringify(s));
  assert.is(s.dropped.unknown_payload_type, 0, JSON.stringify(s));
  assert.is(s.packets, c.incoming.sent, JSON.stringify(s));
  assert.is(s.recorded, c.incoming.sent);
});

test('a telephone-event or unknown payload type from a stray source before the audio does not latch the leg', async () => {
  const c = await call(50, 3921);
  const stray = (pt: number) => buildRtpPacket({ payloadType: pt, sequenceNumber: 1, timestamp: 0, ssrc: 77, payload: new Uint8Array(4) });
  await sendStray(c.incoming.port, stray(101), stray(72));
  await sleep(50);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  const info = await hangup(c);
  const s = info.stats.incoming;
  assert.is(s.dropped.wrong_source, 0, `the phone's packets were wrong_source: ${JSON.stringify(s)}`);
  assert.is(s.recorded, c.incoming.sent);
  assert.is(s.relatched, 0);
});

test('after the latched source is silent for over a second, a new source with a run of in-sequence audio takes the leg', async () => {
  const c = await call(25, 3931);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  await sleep(1200);
  // The phone moved (new port, new SSRC): 25 packets; the run's first 3 are wrong_source.
  const moved = await RtpLeg.open({ port: c.incoming.port, codec: 'PCMU', seed: 3933, packets: 25 });
  opened.push(moved);
  await moved.start(0);
  const info = await hangup(c);
  const s = info.stats.incoming;
  assert.is(s.relatched, 1, JSON.stringify(s));
  assert.is(s.dropped.wrong_source, 3, `the run's first packets: ${JSON.stringify(s)}`);
  assert.is(s.packets, c.incoming.sent + moved.sent - 3, JSON.stringify(s));
  assert.is(s.recorded, c.incoming.sent + moved.sent - 3, JSON.stringify(s));
});

test('one stray audio packet from another source during a live stream does not take the leg, nor do runs while it is live', async () => {
  const c = await call(100, 3941);
  const sending = Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  await sleep(300);
  const one = buildRtpPacket({ payloadType: 0, sequenceNumber: 9, timestamp: 0, ssrc: 99, payload: new Uint8Array(160) });
  await sendStray(c.incoming.port, one);
  const intruder = await RtpLeg.open({ port: c.incoming.port, codec: 'PCMU', seed: 3943, packets: 20 });
  opened.push(intruder);
  await intruder.start(0);
  await sending;
  const info = await hangup(c);
  const s = info.stats.incoming;
  assert.is(s.relatched, 0, JSON.stringify(s));
  assert.is(s.dropped.wrong_source, 1 + intruder.sent, JSON.stringify(s));
  assert.is(s.recorded, c.incoming.sent, JSON.stringify(s));
  checkRecordedCall(path.join(sessionsDir, c.id), info.files, c, {}, info);
});

test.run();
