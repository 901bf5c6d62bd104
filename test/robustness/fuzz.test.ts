/**
 * Malformed input (issue 4, SPEC §3): 30,000 seeded random and mutated
 * datagrams thrown at a live call's two ports, from the latched source (so
 * the worker parses them) and from three other sources, and at unallocated
 * ports of the range, while each leg carries real-time valid RTP. The server
 * stays up, counts every datagram under the reason this file's own reference
 * classifier (RFC 3550 §5.1) predicts, and the valid audio is bit-exact.
 *
 * Same-source fuzz is kept to datagrams that cannot place audio: malformed,
 * or well-formed with a payload type callrec does not decode (an SSRC change
 * with a decodable PT would re-anchor the leg, which is allowed). From the
 * other sources anything goes, forged audio with the leg's own SSRC included.
 * RTP ports 38000-38099.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { createPrng } from '../helpers/prng.js';
import type { Prng } from '../helpers/prng.js';
import type { RtpLeg } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { activeSession, errorLogs, pollHealthz, udpSocketDrops, waitFor } from './support.js';
import type { Stats } from './support.js';

const RTP_FIRST = 38000;
const RTP_LAST = 38099;
const SEED = 0xf022;
const SAME_SOURCE_PER_LEG = 9000;
const OTHER_SOURCE_PER_LEG = 5000;
const UNALLOCATED = 2000;
const FUZZ_MS = 5000;
/** Datagrams sent between two waits for the server to have read them. */
const ACK_EVERY = 200;
/** Largest UDP payload over IPv4. */
const MAX_UDP = 65507;
/** What callrec accepts into a ring; longer is malformed (README: main thread). */
const MAX_RTP = 2048;
const PT_PCMU = 0;
const PT_PCMA = 8;
const PT_CN = 13;
/** telephone-event's payload type on HTTP sessions. */
const PT_TELEPHONE_EVENT = 101;

let server: ServerProcess;
let sessionsDir: string;
const sockets: dgram.Socket[] = [];
let call: StartedCall | null = null;

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('fuzz'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: `${RTP_FIRST}-${RTP_LAST}` });
});

test.after(async () => {
  if (call !== null) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  for (const s of sockets) s.close();
  killServers();
  removeTempDirs();
});

// ---- reference classification (RFC 3550 §5.1; callrec's README for where each is counted) ----

type Verdict =
  /** RTCP on the RTP port (RFC 5761 §4: V=2, second byte 192..223): counted rtcp from any source. */
  | 'rtcp'
  /** Under 12 bytes, over 2048, or not version 2: dropped on arrival, before latching. */
  | 'malformed-on-arrival'
  /** Version 2 but CSRC / extension / padding lengths do not add up. */
  | 'malformed-lengths'
  /** Well-formed PCMU/PCMA with no payload. */
  | 'empty-audio'
  | 'audio'
  | 'comfort-noise'
  | 'telephone-event'
  | 'unknown-payload-type';

function classify(d: Uint8Array): Verdict {
  if (d.length >= 8 && d[0] >> 6 === 2 && d[1] >= 192 && d[1] <= 223) return 'rtcp';
  if (d.length < 12 || d.length > MAX_RTP || d[0] >> 6 !== 2) return 'malformed-on-arrival';
  const cc = d[0] & 0x0f;
  let header = 12 + 4 * cc;
  if (header > d.length) return 'malformed-lengths';
  if ((d[0] & 0x10) !== 0) {
    if (header + 4 > d.length) return 'malformed-lengths';
    header += 4 + 4 * ((d[header + 2] << 8) | d[header + 3]);
    if (header > d.length) return 'malformed-lengths';
  }
  let payload = d.length - header;
  if ((d[0] & 0x20) !== 0) {
    const padding = d[d.length - 1];
    if (padding === 0 || padding > payload) return 'malformed-lengths';
    payload -= padding;
  }
  const pt = d[1] & 0x7f;
  if (pt === PT_PCMU || pt === PT_PCMA) return payload === 0 ? 'empty-audio' : 'audio';
  if (pt === PT_CN) return 'comfort-noise';
  if (pt === PT_TELEPHONE_EVENT) return 'telephone-event';
  return 'unknown-payload-type';
}

// ---- the generator ----

function randomBytes(next: Prng, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = next() & 0xff;
  return b;
}

function chance(next: Prng, percent: number): boolean {
  return next() % 100 < percent;
}

interface Shape {
  pt: number;
  csrc: number;
  extWords: number | null;
  payload: number;
  padding: number;
  ssrc?: number;
  sequence?: number;
  timestamp?: number;
}

/** A well-formed RTP v2 packet of the given shape, random where unspecified. */
function wellFormed(next: Prng, shape: Partial<Shape> = {}): Buffer {
  const s: Shape = {
    pt: shape.pt ?? next() % 128,
    csrc: shape.csrc ?? (chance(next, 30) ? next() % 16 : 0),
    extWords: shape.extWords !== undefined ? shape.extWords : chance(next, 30) ? next() % 8 : null,
    payload: shape.payload ?? next() % 400,
    padding: shape.padding ?? (chance(next, 25) ? 1 + (next() % 32) : 0),
  };
  const header = 12 + 4 * s.csrc + (s.extWords === null ? 0 : 4 + 4 * s.extWords);
  const d = randomBytes(next, header + s.payload + s.padding);
  d[0] = 0x80 | (s.padding > 0 ? 0x20 : 0) | (s.extWords !== null ? 0x10 : 0) | s.csrc;
  d[1] = (d[1] & 0x80) | s.pt;
  if (shape.sequence !== undefined) d.writeUInt16BE(shape.sequence & 0xffff, 2);
  if (shape.timestamp !== undefined) d.writeUInt32BE(shape.timestamp >>> 0, 4);
  if (shape.ssrc !== undefined) d.writeUInt32BE(shape.ssrc >>> 0, 8);
  if (s.extWords !== null) d.writeUInt16BE(s.extWords, 12 + 4 * s.csrc + 2);
  if (s.padding > 0) d[d.length - 1] = s.padding;
  return d;
}

/** Header length (fixed + CSRC + extension) of a packet whose lengths add up. */
function headerBytes(d: Uint8Array): number {
  let n = 12 + 4 * (d[0] & 0x0f);
  if ((d[0] & 0x10) !== 0) n += 4 + 4 * ((d[n + 2] << 8) | d[n + 3]);
  return n;
}

const MUTATIONS = [
  'random', 'truncated', 'wrong-version', 'padding-too-long', 'padding-zero', 'csrc-past-end',
  'extension-header-past-end', 'extension-past-end', 'empty', 'random-pt', 'bit-flips', 'max-rtp-size', 'forged-audio',
] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(next: Prng, kind: Mutation, leg: RtpLeg): Buffer {
  switch (kind) {
    case 'random':
      return randomBytes(next, next() % 300);
    case 'truncated':
      return wellFormed(next).subarray(0, next() % 12);
    case 'wrong-version': {
      const d = wellFormed(next);
      d[0] = (d[0] & 0x3f) | ([0, 1, 3][next() % 3] << 6);
      return d;
    }
    case 'padding-too-long': {
      // A padding count past the payload (and sometimes past the whole packet).
      const d = wellFormed(next, { payload: next() % 150, padding: 0 });
      d[0] |= 0x20;
      d[d.length - 1] = Math.min(255, d.length - headerBytes(d) + 1 + (next() % 100));
      return d;
    }
    case 'padding-zero': {
      const d = wellFormed(next, { padding: 0 });
      d[0] |= 0x20;
      d[d.length - 1] = 0;
      return d;
    }
    case 'csrc-past-end': {
      const cc = 1 + (next() % 15);
      const d = wellFormed(next, { csrc: cc, extWords: null, padding: 0, payload: 0 });
      return d.subarray(0, 12 + (next() % (4 * cc)));
    }
    case 'extension-header-past-end': {
      const d = wellFormed(next, { extWords: 0, payload: 0, padding: 0 });
      return d.subarray(0, d.length - 1 - (next() % 4));
    }
    case 'extension-past-end': {
      const d = wellFormed(next, { extWords: 1 + (next() % 8), padding: 0, payload: next() % 40 });
      const at = 12 + 4 * (d[0] & 0x0f) + 2;
      const room = Math.floor((d.length - at - 2) / 4);
      d.writeUInt16BE(Math.min(0xffff, room + 1 + (next() % 20000)), at);
      return d;
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'random-pt':
      return wellFormed(next);
    case 'bit-flips': {
      const d = leg.packet(next() % leg.packets);
      for (let i = 1 + (next() % 4); i > 0; i--) d[next() % d.length] ^= 1 << (next() % 8);
      return d;
    }
    case 'max-rtp-size':
      return wellFormed(next, { payload: MAX_RTP - 12, csrc: 0, extWords: null, padding: 0 });
    case 'forged-audio': {
      // What a hijacker sends: decodable audio, half of it under the leg's own SSRC and sequence.
      const k = next() % leg.packets;
      return chance(next, 50)
        ? wellFormed(next, { pt: leg.codec === 'PCMU' ? PT_PCMU : PT_PCMA, csrc: 0, extWords: null, padding: 0, payload: 160,
          ssrc: leg.ssrc, sequence: leg.firstSequence + k, timestamp: leg.firstTimestamp + k * 160 })
        : wellFormed(next, { pt: [PT_PCMU, PT_PCMA, PT_CN, PT_TELEPHONE_EVENT][next() % 4], payload: 1 + (next() % 320) });
    }
  }
}

/** A payload type callrec neither decodes nor counts as CN / telephone-event. */
function unknownPt(next: Prng): number {
  for (;;) {
    const pt = next() % 128;
    if (pt !== PT_PCMU && pt !== PT_PCMA && pt !== PT_CN && pt !== PT_TELEPHONE_EVENT) return pt;
  }
}

/**
 * `count` fuzz datagrams for one target. Every 750th is an oversized one
 * (65,507 bytes, or 2,049 to 65,507): few, so they do not flood the socket
 * buffer. `sameSource`: nothing that could place audio.
 */
function fuzzStream(next: Prng, count: number, leg: RtpLeg, sameSource: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    let d: Buffer;
    if (i % 750 === 375) {
      const length = i % 1500 === 375 ? MAX_UDP : MAX_RTP + 1 + (next() % (MAX_UDP - MAX_RTP));
      d = Buffer.concat([wellFormed(next, { pt: PT_PCMU, csrc: 0, extWords: null, padding: 0, payload: 0 }), Buffer.alloc(length - 12, 0x55)]);
    } else {
      let kind = MUTATIONS[next() % MUTATIONS.length];
      if (sameSource && kind === 'forged-audio') kind = 'random-pt';
      d = Buffer.from(mutate(next, kind, leg)); // own copy: sent buffers are never touched again
    }
    if (sameSource) {
      const verdict = classify(d);
      if (verdict === 'audio' || verdict === 'empty-audio' || verdict === 'comfort-noise' || verdict === 'telephone-event') {
        d[1] = (d[1] & 0x80) | unknownPt(next);
      }
    }
    out.push(d);
  }
  return out;
}

interface Expected {
  packets: number;
  malformed: number;
  wrongSource: number;
  unknownPayloadType: number;
  rtcp: number;
}

function tally(expected: Expected, d: Uint8Array, sameSource: boolean): void {
  const verdict = classify(d);
  if (verdict === 'rtcp') {
    expected.rtcp++;
    return;
  }
  if (verdict === 'malformed-on-arrival') {
    expected.malformed++;
    return;
  }
  if (!sameSource) {
    // A stranger's datagram is parsed before it is turned away (it might take the leg over).
    if (verdict === 'malformed-lengths') expected.malformed++;
    else expected.wrongSource++;
    return;
  }
  expected.packets++;
  if (verdict === 'malformed-lengths') expected.malformed++;
  else if (verdict === 'unknown-payload-type') expected.unknownPayloadType++;
  else assert.unreachable(`same-source fuzz datagram classified ${verdict}`);
}

/**
 * Wait (up to 3 s) until the server has counted, per leg, every datagram sent
 * so far that its main thread counts as packets or wrong_source (the main
 * thread reads a socket in order, so the ones before are read too). A
 * timeout is not a failure here: kernel drops are checked at the end.
 */
async function waitForCounted(id: string, target: Record<'incoming' | 'outgoing', number>, legs: Record<'incoming' | 'outgoing', RtpLeg>): Promise<void> {
  const want = { incoming: target.incoming + legs.incoming.sent, outgoing: target.outgoing + legs.outgoing.sent };
  const deadline = performance.now() + 3000;
  while (performance.now() < deadline) {
    const s = await activeSession(server, id);
    const counted = (leg: Stats) => leg.packets + leg.dropped.wrong_source;
    if (counted(s.legs.incoming) >= want.incoming && counted(s.legs.outgoing) >= want.outgoing) return;
    await sleep(2);
  }
}

async function openSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  s.on('error', () => {}); // ICMP port unreachable from the unallocated ports
  sockets.push(s);
  return s;
}

test('30,000 random and mutated datagrams: the server stays up, counts each by reason, valid audio is bit-exact', async () => {
  const started = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 3801, packets: 300 },
    outgoing: { codec: 'PCMA', seed: 3802, packets: 300 },
  });
  call = started;
  const legs = { incoming: started.incoming, outgoing: started.outgoing };
  const used = new Set([legs.incoming.port, legs.outgoing.port]);

  const next = createPrng(SEED);
  const others = [await openSocket(), await openSocket(), await openSocket()];
  const expected: Record<'incoming' | 'outgoing', Expected> = {
    incoming: { packets: 0, malformed: 0, wrongSource: 0, unknownPayloadType: 0, rtcp: 0 },
    outgoing: { packets: 0, malformed: 0, wrongSource: 0, unknownPayloadType: 0, rtcp: 0 },
  };
  /** One datagram to send; `counts`: the leg whose main-thread counter (packets or wrong_source) it will raise. */
  interface Send {
    send: () => void;
    counts: 'incoming' | 'outgoing' | null;
  }
  const sends: Send[] = [];
  for (const name of ['incoming', 'outgoing'] as const) {
    const leg = legs[name];
    for (const d of fuzzStream(next, SAME_SOURCE_PER_LEG, leg, true)) {
      tally(expected[name], d, true);
      sends.push({ send: () => leg.sendRaw(d), counts: classify(d) === 'malformed-on-arrival' || classify(d) === 'rtcp' ? null : name });
    }
    let i = 0;
    for (const d of fuzzStream(next, OTHER_SOURCE_PER_LEG, leg, false)) {
      tally(expected[name], d, false);
      const from = others[i++ % others.length];
      const verdict = classify(d);
      const counted = verdict !== 'malformed-on-arrival' && verdict !== 'rtcp' && verdict !== 'malformed-lengths';
      sends.push({ send: () => from.send(d, leg.port, '127.0.0.1'), counts: counted ? name : null });
    }
  }
  for (const d of fuzzStream(next, UNALLOCATED, legs.incoming, false)) {
    let port: number;
    do port = RTP_FIRST + (next() % (RTP_LAST - RTP_FIRST + 1));
    while (used.has(port));
    const from = others[port % others.length];
    sends.push({ send: () => from.send(d, port, '127.0.0.1'), counts: null });
  }
  for (const name of ['incoming', 'outgoing'] as const) {
    assert.ok(expected[name].malformed > 1000 && expected[name].wrongSource > 1000 && expected[name].unknownPayloadType > 500 && expected[name].rtcp > 100,
      `the generator covers every reason: ${JSON.stringify(expected[name])}`);
  }
  // Shuffle (seeded) so targets and sources interleave.
  for (let i = sends.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [sends[i], sends[j]] = [sends[j], sends[i]];
  }
  assert.is(sends.length, 30_000);

  const sending = Promise.all([legs.incoming.start(0), legs.outgoing.start(0)]);
  // Both legs latched on their real source before any other source speaks.
  await waitFor(async () => {
    const s = await activeSession(server, started.id);
    return s.legs.incoming.packets > 0 && s.legs.outgoing.packets > 0;
  }, 'both legs to latch');

  const health = pollHealthz(server, 100);
  const t0 = performance.now();
  let sent = 0;
  let sinceAck = 0;
  const target = { incoming: 0, outgoing: 0 };
  while (sent < sends.length) {
    const due = Math.min(sends.length, Math.ceil(((performance.now() - t0) / FUZZ_MS) * sends.length));
    // Never more than ACK_EVERY unacknowledged, even when this process was descheduled and many are due.
    for (; sent < due && sinceAck < ACK_EVERY; sent++, sinceAck++) {
      sends[sent].send();
      const leg = sends[sent].counts;
      if (leg !== null) target[leg]++;
    }
    // Flow control: let the server read what is queued before sending more, so the
    // kernel's receive buffer never overflows (a busy CI machine may stall it).
    if (sinceAck >= ACK_EVERY) {
      sinceAck = 0;
      await waitForCounted(started.id, target, legs);
    }
    await sleep(5);
  }
  await sending;
  await sleep(300);
  const answers = await health.stop();

  const kernelDrops = { incoming: udpSocketDrops(legs.incoming.port), outgoing: udpSocketDrops(legs.outgoing.port) };
  assert.is(server.exit, null, `callrec exited: ${JSON.stringify(server.exit)} ${server.stderr}`);
  assert.ok(answers.length >= 20, `only ${answers.length} /healthz answers during the fuzz`);
  const bad = answers.filter((a) => a.status !== 200);
  assert.equal(bad, [], '/healthz answered 200 throughout');

  const hung = await server.request('POST', `/api/sessions/${started.id}/hangup`);
  assert.is(hung.status, 200, `hangup: ${hung.status} ${hung.text}`);
  const info = hung.body;
  assert.equal(legs.incoming.errors, []);
  assert.equal(legs.outgoing.errors, []);

  for (const name of ['incoming', 'outgoing'] as const) {
    const got: Stats = info.stats[name];
    const want = expected[name];
    const drops = kernelDrops[name];
    assert.ok(drops !== null, `${name}: no /proc/net/udp line for port ${legs[name].port}`);
    const valid = legs[name].sent;
    const summary = `${name}: got ${JSON.stringify(got)}; expected packets ${valid} + ${want.packets}, ${JSON.stringify(want)}; kernel drops ${drops}`;
    // Every datagram the kernel delivered is counted once, under the reason predicted.
    const missing = {
      packets: valid + want.packets - got.packets,
      malformed: want.malformed - got.dropped.malformed,
      wrongSource: want.wrongSource - got.dropped.wrong_source,
      unknownPayloadType: want.unknownPayloadType - got.dropped.unknown_payload_type,
      rtcp: want.rtcp - (got.dropped as { rtcp: number }).rtcp,
    };
    for (const [reason, n] of Object.entries(missing)) {
      assert.ok(n >= 0 && n <= (drops as number), `${reason}: ${n} fewer counted than sent (kernel drops ${drops}). ${summary}`);
    }
    assert.ok(missing.packets + missing.wrongSource <= (drops as number), `more missing than the kernel dropped. ${summary}`);
    if (drops === 0) assert.equal(missing, { packets: 0, malformed: 0, wrongSource: 0, unknownPayloadType: 0, rtcp: 0 }, `exact counts. ${summary}`);
    assert.is(got.recorded, valid, `recorded = the valid packets sent. ${summary}`);
    assert.is(got.dropped.ring_full, 0, `ring_full. ${summary}`);
    assert.is(got.comfort_noise, 0, `comfort_noise. ${summary}`);
    assert.is(got.telephone_events, 0, `telephone_events. ${summary}`);
    assert.is(got.reanchored, 0, `reanchored. ${summary}`);
    assert.is(got.ssrc_changes, 0, `ssrc_changes. ${summary}`);
    assert.is(got.lost, 0, `lost. ${summary}`);
    assert.is(got.duplicates, 0, `duplicates. ${summary}`);
  }

  checkRecordedCall(path.join(sessionsDir, started.id), info.files, legs, {}, info);
  assert.equal(errorLogs(server), [], 'no error logged');
  const health2 = await server.request('GET', '/healthz');
  assert.is(health2.status, 200);
  const active = await server.request('GET', '/api/sessions');
  assert.equal(active.body.sessions, []);
});

test.run();
