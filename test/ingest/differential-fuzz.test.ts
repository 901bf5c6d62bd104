/**
 * 100,000 seeded random and mutated datagrams, each sent to a dgram leg and
 * to a native leg from the same source socket (three sources: the one that
 * latches, two strangers). Both receivers must end with the same counters
 * and byte-identical ring records (arrival stamps aside): the native
 * receiver (native/rtp_receiver.c) applies exactly the rules of
 * src/ingest/receiver.ts, on every malformed length, flag and payload type
 * the generator makes. Skipped, with one line, where the addon is not built
 * (a failure under CI=true). Ports 38500-38599.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LegReceiver, NativeLegReceiver, loadNativeReceiver } from '../../src/ingest/index.js';
import type { RtpReceiver } from '../../src/ingest/index.js';
import { RECORD_HEADER_BYTES, RING_DATA_OFFSET, RING_WORD_WRITE, recordBytes } from '../../src/ring/layout.js';
import { RingProducer, createRingBuffer } from '../../src/ring/index.js';
import { createPrng } from '../helpers/prng.js';
import type { Prng } from '../helpers/prng.js';

const DATAGRAMS = 100_000;
const SEED = 0x5eed12;
/** Datagrams in flight before both receivers must have read them all (their kernel queues never overflow). */
const ACK_EVERY = 192;
const RING_BYTES = 1 << 25;

const nativeWhy = loadNativeReceiver();

function bytesOf(sab: SharedArrayBuffer): Uint8Array {
  const write = new Int32Array(sab, 0, RING_DATA_OFFSET / 4)[RING_WORD_WRITE] >>> 0;
  const data = new Uint8Array(sab, RING_DATA_OFFSET, write);
  const u32 = new Uint32Array(sab, RING_DATA_OFFSET);
  const out = new Uint8Array(write);
  out.set(data);
  for (let pos = 0; pos < write;) {
    const length = u32[pos >> 2] & 0xffffff;
    if (u32[pos >> 2] >>> 24 === 0) break; // PAD: never within RING_BYTES here
    out.fill(0, pos + 8, pos + RECORD_HEADER_BYTES); // the arrival stamp: a clock reading
    pos += recordBytes(length);
  }
  return out;
}

function rtp(pt: number, seq: number, ssrc: number): Uint8Array {
  const d = new Uint8Array(172);
  d[0] = 0x80;
  d[1] = pt;
  d[2] = seq >> 8;
  d[3] = seq & 0xff;
  new DataView(d.buffer).setUint32(8, ssrc);
  return d;
}

/** A valid PCMU/PCMA/CN/other-PT packet, or one broken in one of the ways the rules check. */
function datagram(next: Prng, seq: number): Uint8Array {
  const kind = next() % 16;
  const payloadLength = next() % 200;
  const pt = [0, 8, 13, 101, 96, 3, 127][next() % 7];
  const d = new Uint8Array(12 + payloadLength);
  d[0] = 0x80;
  d[1] = pt | (next() % 8 === 0 ? 0x80 : 0);
  d[2] = seq >> 8;
  d[3] = seq & 0xff;
  d[8] = 0x11; d[9] = 0x22; d[10] = 0x33; d[11] = next() % 2;
  for (let i = 12; i < d.length; i++) d[i] = next() & 0xff;
  switch (kind) {
    case 0: return d.subarray(0, next() % 14); // short, empty
    case 1: d[0] = (next() & 0x3f) | ((next() % 4) << 6); return d; // any version, any CC/X/P
    case 2: d[0] |= 0x10; return d; // an extension whose length may run past the end
    case 3: d[0] |= 0x20; return d; // padding whose count is the last byte
    case 4: d[0] = 0x80 | (next() % 16); return d; // CSRCs that may run past the end
    case 5: d[1] = 192 + (next() % 32); return d; // RTCP's range (RFC 5761)
    case 6: { const big = new Uint8Array(2040 + (next() % 20)); big.set(d); return big; } // around MAX_PACKET_BYTES
    case 7: { const r = new Uint8Array(next() % 64); for (let i = 0; i < r.length; i++) r[i] = next() & 0xff; return r; }
    default: return d;
  }
}

test('100,000 fuzzed datagrams: the native receiver counts and queues exactly what the dgram receiver does', async () => {
  if (nativeWhy !== null) {
    if (process.env.CI === 'true') throw new Error(`native receiver: ${nativeWhy} (CI needs it: apt-get install build-essential)`);
    console.log(`skipped: differential fuzz of the native receiver (it is ${nativeWhy}; Debian package: build-essential)`);
    return;
  }
  const rings = [createRingBuffer(RING_BYTES), createRingBuffer(RING_BYTES)];
  const origin = performance.now();
  const receivers: RtpReceiver[] = [
    new LegReceiver(1, 38500, new RingProducer(rings[0]), origin),
    new NativeLegReceiver(1, 38502, new RingProducer(rings[1]), origin),
  ];
  for (const r of receivers) {
    await r.bind('127.0.0.1');
    r.start();
  }
  const sources: dgram.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    sources.push(s);
  }
  const seen = (r: RtpReceiver) =>
    r.packets + r.droppedRingFull + r.droppedWrongSource + r.droppedMalformed + r.droppedPaused + r.droppedRtcp;
  try {
    const next = createPrng(SEED);
    // The first source latches on a plain PCMU packet; then anything from anyone.
    const first = new Uint8Array(172);
    first[0] = 0x80;
    let sent = 0;
    const sendBoth = (from: dgram.Socket, d: Uint8Array) => {
      from.send(d, 38500, '127.0.0.1');
      from.send(d, 38502, '127.0.0.1');
      sent++;
    };
    sendBoth(sources[0], first);
    let owner = 0;
    for (let i = 0; i < DATAGRAMS; i++) {
      if (i === DATAGRAMS / 2) {
        // The owner falls silent past RELATCH_SILENCE_MS: a stranger's telephone-event must not
        // take the leg, its in-sequence audio run must (rule 4), on both paths alike.
        await new Promise((r) => setTimeout(r, 1100));
        for (let k = 0; k < 3; k++) sendBoth(sources[1], rtp(101, 7997 + k, 0xabc)); // in sequence with the audio below: still no run
        for (let k = 0; k < 6; k++) sendBoth(sources[1], rtp(0, 8000 + k, 0xabc));
        owner = 1;
      }
      const stranger = next() % 8 === 0;
      const from = sources[stranger ? (owner + 1 + (next() % 2)) % 3 : owner];
      sendBoth(from, datagram(next, i & 0xffff));
      if (sent % ACK_EVERY === 0) {
        const until = performance.now() + 5000;
        while (receivers.some((r) => seen(r) < sent) && performance.now() < until) await new Promise((r) => setImmediate(r));
        assert.ok(receivers.every((r) => seen(r) === sent), `both read all ${sent}: ${receivers.map(seen).join(' / ')}`);
      }
    }
    const until = performance.now() + 5000;
    while (receivers.some((r) => seen(r) < sent) && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
    const counters = (r: RtpReceiver) => ({
      packets: r.packets, bytes: r.bytes, ring_full: r.droppedRingFull, wrong_source: r.droppedWrongSource,
      malformed: r.droppedMalformed, paused: r.droppedPaused, rtcp: r.droppedRtcp, relatched: r.relatched,
    });
    const [d, n] = receivers.map(counters);
    assert.is(d.packets + d.wrong_source + d.malformed + d.rtcp, sent, `every datagram counted once: ${JSON.stringify(d)}`);
    assert.is(d.relatched, 1, `the silent owner's leg was taken over once: ${JSON.stringify(d)}`);
    assert.ok(d.malformed > 10_000 && d.wrong_source > 5_000 && d.rtcp > 3_000 && d.packets > 30_000, `the generator covers every rule: ${JSON.stringify(d)}`);
    assert.equal(n, d, 'native counters = dgram counters');
    const [a, b] = rings.map(bytesOf);
    assert.is(b.length, a.length, 'ring bytes written');
    const at = a.findIndex((x, i) => x !== b[i]);
    assert.is(at, -1, `ring records differ first at byte ${at}`);
  } finally {
    for (const r of receivers) await r.close();
    for (const s of sources) s.close();
  }
});

test.run();
