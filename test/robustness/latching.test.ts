/**
 * Source latching (issue 4, SPEC §3): the first valid packet's source address
 * and port own the leg; valid RTP from any other source is dropped, counted
 * as dropped.wrong_source, and never reaches the file. RTP ports 38200-38299.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { RtpLeg } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { udpSocketDrops } from './support.js';
import type { Stats } from './support.js';

const RTP_PORTS = '38200-38299';
const SETTLE_MS = 200;

let server: ServerProcess;
let sessionsDir: string;
const opened: RtpLeg[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('latching'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  await Promise.all(opened.map((leg) => leg.close()));
  killServers();
  removeTempDirs();
});

async function call(incomingPackets: number, outgoingPackets: number, seed: number): Promise<StartedCall> {
  const c = await startCall(server, {
    incoming: { codec: 'PCMU', seed, packets: incomingPackets },
    outgoing: { codec: 'PCMA', seed: seed + 1, packets: outgoingPackets },
  });
  opened.push(c.incoming, c.outgoing);
  return c;
}

async function hangup(c: StartedCall): Promise<{ info: any; drops: { incoming: number | null; outgoing: number | null } }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await sleep(SETTLE_MS);
  const drops = { incoming: udpSocketDrops(c.incoming.port), outgoing: udpSocketDrops(c.outgoing.port) };
  const res = await server.request('POST', `/api/sessions/${c.id}/hangup`);
  assert.is(res.status, 200, `hangup: ${res.status} ${res.text}`);
  return { info: res.body, drops };
}

test('valid RTP from a second source after the first latched is dropped, counted as wrong_source, and never in the file', async () => {
  const c = await call(100, 100, 3821);
  // Incoming: an intruder with its own SSRC and audio, from 200 ms on.
  const intruder = await RtpLeg.open({ port: c.incoming.port, codec: 'PCMU', seed: 3823, packets: 60 });
  // Outgoing: a forger replaying the leg's own SSRC, sequence and timestamps
  // with other audio, each packet 10 ms before the genuine one (from packet 10 on).
  const forger = await RtpLeg.open({
    port: c.outgoing.port, codec: 'PCMA', seed: 3824, packets: 60,
    ssrc: c.outgoing.ssrc, firstSequence: c.outgoing.firstSequence + 10, firstTimestamp: c.outgoing.firstTimestamp + 10 * 160,
  });
  opened.push(intruder, forger);
  await Promise.all([c.incoming.start(20), c.outgoing.start(20), intruder.start(220), forger.start(20 + 200 - 10)]);
  const { info, drops } = await hangup(c);
  assert.equal(drops, { incoming: 0, outgoing: 0 }, 'no datagram dropped by the kernel (exact counts need all delivered)');

  const legs: [string, RtpLeg, RtpLeg][] = [['incoming', c.incoming, intruder], ['outgoing', c.outgoing, forger]];
  for (const [name, genuine, other] of legs) {
    const s: Stats = info.stats[name];
    const summary = `${name}: ${JSON.stringify(s)}; genuine sent ${genuine.sent}, other source sent ${other.sent}`;
    assert.is(other.sent, 60);
    assert.is(s.dropped.wrong_source, other.sent, `dropped.wrong_source = the other source's packets. ${summary}`);
    assert.is(s.packets, genuine.sent, `packets = the latched source's. ${summary}`);
    assert.is(s.recorded, genuine.sent, `recorded. ${summary}`);
    assert.is(s.duplicates, 0, `duplicates. ${summary}`);
    assert.is(s.ssrc_changes, 0, `ssrc_changes. ${summary}`);
    assert.is(s.reanchored, 0, `reanchored. ${summary}`);
    assert.is(s.dropped.malformed, 0, `malformed. ${summary}`);
  }
  checkRecordedCall(path.join(sessionsDir, c.id), info.files, c, {}, info);
});

/** Send one datagram from a fresh socket (a stray source), then close it. */
async function sendStray(port: number, datagram: Uint8Array): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve, reject) => s.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

test('a stray datagram that is not RTP version 2, arriving before the phone\'s first packet, does not latch the leg', async () => {
  const c = await call(50, 50, 3831);
  const version1 = Buffer.alloc(172, 0x11);
  version1[0] = 0x40; // V=1
  await sendStray(c.incoming.port, version1);
  await sleep(50);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  const { info } = await hangup(c);
  const s: Stats = info.stats.incoming;
  assert.is(s.dropped.malformed, 1, `the stray datagram is malformed: ${JSON.stringify(s)}`);
  assert.is(s.dropped.wrong_source, 0, `the phone's packets are not wrong_source: ${JSON.stringify(s)}`);
  assert.is(s.recorded, c.incoming.sent);
  checkRecordedCall(path.join(sessionsDir, c.id), info.files, c, {}, info);
});

test('a stray version-2 datagram whose lengths do not add up (CSRC count past the end), arriving first, does not latch the leg', async () => {
  // SPEC §3: "the first *valid* packet's source owns the leg". A 12-byte
  // datagram claiming 15 CSRCs is malformed, not valid, yet it looks like
  // RTP v2 to a check of size and version alone.
  const c = await call(50, 50, 3841);
  const csrcPastEnd = Buffer.alloc(12, 0);
  csrcPastEnd[0] = 0x8f; // V=2, CC=15: needs 72 bytes of header
  await sendStray(c.incoming.port, csrcPastEnd);
  await sleep(50);
  await Promise.all([c.incoming.start(0), c.outgoing.start(0)]);
  const { info } = await hangup(c);
  const s: Stats = info.stats.incoming;
  assert.is(s.dropped.wrong_source, 0, `the phone's ${c.incoming.sent} packets were dropped as wrong_source: the malformed stray latched the leg. ${JSON.stringify(s)}`);
  assert.is(s.dropped.malformed, 1, `the stray datagram is counted malformed: ${JSON.stringify(s)}`);
  assert.is(s.recorded, c.incoming.sent);
  checkRecordedCall(path.join(sessionsDir, c.id), info.files, c, {}, info);
});

test.run();
