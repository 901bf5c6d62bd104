/**
 * Both receive paths in process, over real loopback UDP: the dgram
 * LegReceiver and the native receiver (native/rtp_receiver.c) get the same
 * datagrams, and must leave byte-identical ring records (arrival stamps
 * aside, which are clock readings) and the same counters. Plus what only a
 * socket owner can get wrong: bind errors, close twice, a closed leg.
 * The native cases are skipped with one line when the addon is not built
 * (and fail under CI=true). Ports 38400-38499.
 */
import dgram from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LegReceiver, NativeLegReceiver, loadNativeReceiver } from '../../src/ingest/index.js';
import type { RtpReceiver } from '../../src/ingest/index.js';
import { RECORD_HEADER_BYTES, RING_DATA_OFFSET, RING_WORD_WRITE, recordBytes } from '../../src/ring/layout.js';
import { RingProducer, createRingBuffer } from '../../src/ring/index.js';
import { FIXTURES_DIR } from '../fixtures/make-fixtures.js';
import { buildRtpPacket } from '../helpers/rtp-sender.js';

const nativeWhy = loadNativeReceiver();
if (nativeWhy !== null) {
  if (process.env.CI === 'true') throw new Error(`native receiver: ${nativeWhy} (CI needs it: apt-get install build-essential)`);
  console.log(`skipping the native receiver cases: ${nativeWhy} (Debian package: build-essential)`);
}

type Make = (slot: number, port: number, producer: RingProducer, originMs: number) => RtpReceiver;
const KINDS: [string, Make][] = [['dgram', (s, p, r, o) => new LegReceiver(s, p, r, o)]];
if (nativeWhy === null) KINDS.push(['native', (s, p, r, o) => new NativeLegReceiver(s, p, r, o)]);

let nextPort = 38400;
const port = () => (nextPort += 2);

async function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
}

function send(s: dgram.Socket, to: number, d: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => s.send(d, to, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/** Wait until `done()` or `ms` passed (the receiver reads on the event loop). */
async function settle(done: () => boolean, ms = 1000): Promise<void> {
  const until = performance.now() + ms;
  while (!done() && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
}

const fixtures = readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.bin')).sort()
  .map((f) => new Uint8Array(readFileSync(path.join(FIXTURES_DIR, f))));

function pcmu(seq: number, ssrc: number, bytes = 160): Buffer {
  return buildRtpPacket({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(bytes).fill(seq & 0xff) });
}

function rtcp(): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x81;
  b[1] = 201; // RR
  b.writeUInt16BE(1, 2);
  return b;
}

function counters(r: RtpReceiver): Record<string, number> {
  return {
    packets: r.packets, bytes: r.bytes, ring_full: r.droppedRingFull, wrong_source: r.droppedWrongSource,
    malformed: r.droppedMalformed, paused: r.droppedPaused, rtcp: r.droppedRtcp, relatched: r.relatched,
  };
}

/** The ring's records with each arrival word zeroed: [header, payload] bytes, PAD records included. */
function recordsOf(sab: SharedArrayBuffer): { bytes: number[]; arrivals: number[] } {
  const write = new Int32Array(sab, 0, 32)[RING_WORD_WRITE] >>> 0;
  const data = new Uint8Array(sab, RING_DATA_OFFSET);
  const u32 = new Uint32Array(sab, RING_DATA_OFFSET);
  const bytes: number[] = [];
  const arrivals: number[] = [];
  let pos = 0;
  while (pos < write) {
    const length = u32[pos >> 2] & 0xffffff;
    const type = u32[pos >> 2] >>> 24;
    if (type === 0) { bytes.push(-1); pos = write; break; }
    arrivals.push(u32[(pos >> 2) + 2]);
    const rec = Array.from(data.subarray(pos, pos + RECORD_HEADER_BYTES + length));
    rec[8] = rec[9] = rec[10] = rec[11] = 0;
    bytes.push(...rec);
    pos += recordBytes(length);
  }
  return { bytes, arrivals };
}

/** The same script of datagrams through each kind; its rings and counters. */
async function runScript(make: Make, script: (ports: { leg: number }, a: dgram.Socket, b: dgram.Socket, r: RtpReceiver) => Promise<void>, ringBytes = 1 << 16) {
  const sab = createRingBuffer(ringBytes);
  const producer = new RingProducer(sab);
  const p = port();
  const origin = performance.now();
  const r = make(3, p, producer, origin);
  await r.bind('127.0.0.1');
  r.start();
  const [a, b] = [await udpSocket(), await udpSocket()];
  try {
    await script({ leg: p }, a, b, r);
  } finally {
    await r.close();
    a.close();
    b.close();
  }
  return { records: recordsOf(sab), counters: counters(r), receiver: r, origin, producer };
}

test('both paths: fixtures, RTCP, a stray before the audio, a second source: same ring records and counters', async () => {
  const results = [];
  for (const [, make] of KINDS) {
    results.push(await runScript(make, async ({ leg }, a, b, r) => {
      await send(b, leg, rtcp());                           // RTCP first: no latch
      await send(b, leg, buildRtpPacket({ payloadType: 101, sequenceNumber: 1, timestamp: 0, ssrc: 5, payload: new Uint8Array(4) }));
      for (const f of fixtures) await send(a, leg, f);      // first audio fixture latches a
      for (let i = 0; i < 10; i++) await send(a, leg, pcmu(100 + i, 42, 80 + i));
      await send(b, leg, pcmu(7, 43));                       // wrong source
      await send(a, leg, new Uint8Array(3000));              // too long
      await send(a, leg, rtcp());
      await settle(() => r.packets + r.droppedMalformed + r.droppedWrongSource + r.droppedRtcp >= fixtures.length + 15);
    }));
  }
  const [d] = results;
  assert.is(d.counters.rtcp, 2, JSON.stringify(d.counters));
  assert.is(d.counters.wrong_source, 1, JSON.stringify(d.counters));
  assert.ok(d.counters.packets > 10, JSON.stringify(d.counters));
  for (let i = 1; i < results.length; i++) {
    assert.equal(results[i].counters, d.counters, `${KINDS[i][0]} counters`);
    assert.equal(results[i].records.bytes, d.records.bytes, `${KINDS[i][0]} ring records`);
  }
  for (const r of results) {
    const elapsed = (performance.now() - r.origin) * 8;
    for (const t of r.records.arrivals) assert.ok(t >= 0 && t <= elapsed, `arrival ${t} within [0, ${elapsed}]`);
  }
});

test('both paths: a full ring drops and counts (ring_full), keeps the control reserve, same records', async () => {
  const results = [];
  for (const [, make] of KINDS) {
    results.push(await runScript(make, async ({ leg }, a, _b, r) => {
      for (let i = 0; i < 60; i++) await send(a, leg, pcmu(i, 9, 160));
      await settle(() => r.packets + r.droppedRingFull >= 60);
    }, 8192));
  }
  const [d] = results;
  assert.ok(d.counters.ring_full > 0 && d.counters.packets > 0, JSON.stringify(d.counters));
  assert.is(d.counters.packets + d.counters.ring_full, 60);
  assert.ok(d.producer.used() <= 8192 - 2048, `reserve kept: used ${d.producer.used()}`);
  for (let i = 1; i < results.length; i++) {
    assert.equal(results[i].counters, d.counters, `${KINDS[i][0]} counters`);
    assert.equal(results[i].records.bytes, d.records.bytes, `${KINDS[i][0]} ring records`);
  }
});

test('both paths: paused drops count paused and queue nothing; shiftOrigin moves later arrivals back', async () => {
  for (const [kind, make] of KINDS) {
    const { counters: c, records } = await runScript(make, async ({ leg }, a, _b, r) => {
      r.paused = true;
      for (let i = 0; i < 5; i++) await send(a, leg, pcmu(i, 1));
      await settle(() => r.droppedPaused >= 5);
      r.paused = false;
      r.shiftOrigin(-10_000); // 10 s back: arrival ≥ 80,000 samples
      await send(a, leg, pcmu(5, 1));
      await settle(() => r.packets >= 1);
    });
    assert.is(c.paused, 5, `${kind}: ${JSON.stringify(c)}`);
    assert.is(c.packets, 1, kind);
    assert.ok(records.arrivals[0] >= 80_000, `${kind}: arrival ${records.arrivals[0]}`);
  }
});

test('both paths: a port in use rejects with EADDRINUSE, an address not on this machine with EADDRNOTAVAIL', async () => {
  for (const [kind, make] of KINDS) {
    const p = port();
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(p, '127.0.0.1', () => resolve()));
    const producer = new RingProducer(createRingBuffer(4096));
    const r = make(0, p, producer, 0);
    const err = await r.bind('127.0.0.1').then(() => null, (e) => e);
    assert.is(err?.code, 'EADDRINUSE', `${kind}: ${err}`);
    await r.close();
    holder.close();
    const far = make(0, port(), producer, 0);
    const err2 = await far.bind('192.0.2.1').then(() => null, (e) => e);
    assert.is(err2?.code, 'EADDRNOTAVAIL', `${kind}: ${err2}`);
    await far.close();
    if (process.getuid?.() !== 0) {
      const low = make(0, 999, producer, 0);
      const err3 = await low.bind('127.0.0.1').then(() => null, (e) => e);
      assert.is(err3?.code, 'EACCES', `${kind}: ${err3}`);
      await low.close();
    }
  }
});

test('both paths: close is idempotent, a closed leg receives nothing and its port can be bound again', async () => {
  for (const [kind, make] of KINDS) {
    const p = port();
    const producer = new RingProducer(createRingBuffer(4096));
    const r = make(0, p, producer, performance.now());
    await r.bind('127.0.0.1');
    r.start();
    const a = await udpSocket();
    await send(a, p, pcmu(1, 1));
    await settle(() => r.packets >= 1);
    await r.close();
    await r.close();
    await send(a, p, pcmu(2, 1));
    await settle(() => false, 50);
    assert.is(r.packets, 1, kind);
    const again = make(1, p, producer, 0);
    await again.bind('127.0.0.1');
    await again.close();
    await again.close();
    a.close();
  }
});

test('both paths: a bound leg that is not started yet queues nothing', async () => {
  for (const [kind, make] of KINDS) {
    const p = port();
    const producer = new RingProducer(createRingBuffer(4096));
    const r = make(0, p, producer, performance.now());
    await r.bind('127.0.0.1');
    const a = await udpSocket();
    await send(a, p, pcmu(1, 1));
    await settle(() => false, 50);
    assert.is(producer.used(), 0, kind);
    assert.is(r.packets, 0, kind);
    await r.close();
    a.close();
  }
});

test.run();
