/**
 * LegRecorder with a real file: RTP in (in order, out of order, with gaps,
 * late after a flush), close(), then the WAV read back with `wavefile` and
 * compared with the payloads decoded by alawmulaw, placed where SPEC §3 says.
 * Also the header while recording, and every counter.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as alawmulawModule from 'alawmulaw';
import * as wavefileModule from 'wavefile';
import { LEG_COUNTER_WORDS, LegCounter } from '../../src/ring/leg-counters.js';
import type * as Record_ from '../../src/record/leg-recorder.js';
import { FIXTURES_DIR, INVALID, VALID } from '../fixtures/make-fixtures.js';
import { createPrng } from '../helpers/prng.js';

// CommonJS packages marked __esModule: the default import is undefined under
// require() (uvu -r tsx), the module itself under ESM. Take whichever is there.
const alawmulaw = ((alawmulawModule as { default?: unknown }).default ?? alawmulawModule) as typeof import('alawmulaw');
const { WaveFile } = ((wavefileModule as { default?: unknown }).default ?? wavefileModule) as typeof import('wavefile');

// leg-recorder.ts imports src/audio, whose `import alawmulaw from 'alawmulaw'`
// is undefined under require(): load it with import() (ESM, as Node runs it).
let LegRecorder: typeof Record_.LegRecorder;
test.before(async () => {
  ({ LegRecorder } = await import('../../src/record/leg-recorder.js'));
});

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'callrec-leg-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

const P = 160;
const SSRC = 0x1234abcd;
const PCMU = 0;
const PCMA = 8;

function rtp(pt: number, seq: number, ts: number, payload: Uint8Array, ssrc = SSRC): Uint8Array {
  const b = new Uint8Array(12 + payload.length);
  const v = new DataView(b.buffer);
  b[0] = 0x80;
  b[1] = pt;
  v.setUint16(2, seq & 0xffff);
  v.setUint32(4, ts >>> 0);
  v.setUint32(8, ssrc >>> 0);
  b.set(payload, 12);
  return b;
}

/** Seeded G.711 payloads, distinct per packet. */
function payloads(seed: number, count: number, size = P): Uint8Array[] {
  const rnd = createPrng(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: size }, () => rnd() & 0xff));
}

function decode(pt: number, payload: Uint8Array): Int16Array {
  return pt === PCMU ? alawmulaw.mulaw.decode(payload) : alawmulaw.alaw.decode(payload);
}

/** The expected leg: decoded payloads at their positions, later writes winning, zeros elsewhere. */
class Expected {
  samples = new Int16Array(0);
  put(position: number, pcm: Int16Array): void {
    if (position + pcm.length > this.samples.length) {
      const grown = new Int16Array(position + pcm.length);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples.set(pcm, position);
  }
  padTo(length: number): void {
    if (length > this.samples.length) this.put(length, new Int16Array(0));
  }
}

function headerDataBytes(file: string): number {
  const bytes = readFileSync(file);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(40, true);
}

/** Read back with wavefile; checks the header agrees with the file size. */
function readWav(file: string): Int16Array {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.is(view.getUint32(40, true), bytes.length - 44, 'header data size = file size - 44');
  assert.is(view.getUint32(4, true), bytes.length - 8, 'RIFF size = file size - 8');
  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  assert.equal([fmt.audioFormat, fmt.numChannels, fmt.sampleRate, fmt.bitsPerSample], [1, 1, 8000, 16]);
  return Int16Array.from(wav.getSamples(false, Int16Array) as unknown as ArrayLike<number>);
}

function assertSamples(got: Int16Array, want: Int16Array, label = 'samples'): void {
  assert.is(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.unreachable(`${label}: sample ${i} is ${got[i]}, want ${want[i]}`);
  }
}

function open(telephoneEventPt = 101, counters = new Uint32Array(LEG_COUNTER_WORDS), now = Date.now()) {
  const file = path.join(dir, 'incoming_20241225_143022.wav');
  const errors: string[] = [];
  const leg = new LegRecorder(3, { path: file, telephoneEventPt }, counters, (code) => errors.push(code), now);
  const send = (arrival: number, packet: Uint8Array) => leg.onPacket(arrival, packet, 0, packet.length);
  return { leg, file, counters, errors, send, now };
}

test('a new leg is a valid, empty WAV from the start; counters are reset', () => {
  const counters = new Uint32Array(LEG_COUNTER_WORDS).fill(99);
  const { leg, file } = open(101, counters);
  assert.is(leg.slot, 3);
  assert.ok(counters.every((c) => c === 0));
  assert.is(statSync(file).size, 44);
  assert.is(headerDataBytes(file), 0);
  const report = leg.close(0);
  assert.equal(report, { samples: 0, hasAudio: false, dataBytes: 0, error: null, writeErrors: 0 });
  assertSamples(readWav(file), new Int16Array(0));
});

for (const [name, pt] of [['PCMU', PCMU], ['PCMA', PCMA]] as const) {
  test(`${name} in order: audio starts at the first arrival, one packet after another`, () => {
    const { leg, file, counters, send } = open();
    const want = new Expected();
    const pl = payloads(pt + 1, 60);
    for (let i = 0; i < pl.length; i++) {
      send(1000 + i * P + (i % 3) * 17, rtp(pt, 500 + i, 90000 + i * P, pl[i]));
      want.put(1000 + i * P, decode(pt, pl[i]));
    }
    const report = leg.close(0);
    assert.equal(report, { samples: 1000 + 60 * P, hasAudio: true, dataBytes: (1000 + 60 * P) * 2, error: null, writeErrors: 0 });
    assertSamples(readWav(file), want.samples);
    assert.is(counters[LegCounter.RECORDED], 60);
    assert.is(counters[LegCounter.SAMPLES], 1000 + 60 * P);
    assert.is(counters[LegCounter.LOST], 0);
  });
}

test('gaps: lost packets leave silence of the right length', () => {
  const { leg, file, counters, send } = open();
  const want = new Expected();
  const pl = payloads(7, 40);
  for (let i = 0; i < pl.length; i++) {
    if (i % 7 === 3 || i === 20 || i === 21) continue;
    send(i * P, rtp(PCMU, i, i * P, pl[i]));
    want.put(i * P, decode(PCMU, pl[i]));
  }
  leg.close(0);
  assertSamples(readWav(file), want.samples);
  assert.is(counters[LegCounter.LOST], 8); // 3, 10, 17, 20, 21, 24, 31, 38
});

test('out of order inside the window: every packet lands in place', () => {
  const { leg, file, counters, send } = open();
  const want = new Expected();
  const pl = payloads(8, 30);
  const order = [0, 2, 1, 3, 6, 4, 5, 7, 9, 8, ...Array.from({ length: 20 }, (_, i) => 29 - i)];
  for (const i of order) {
    // The first to arrive (seq 1000) anchors at 400.
    send(i * P + 400 + (i === 0 ? 0 : 30), rtp(PCMA, 1000 + i, i * P, pl[i]));
    want.put(400 + i * P, decode(PCMA, pl[i]));
  }
  leg.close(0);
  assertSamples(readWav(file), want.samples);
  assert.is(counters[LegCounter.RECORDED], 30);
  assert.ok(counters[LegCounter.LATE] >= 19);
});

test('late after a flush: a reordered packet for audio already written goes straight to its place', () => {
  const { leg, file, counters, send, now } = open();
  const want = new Expected();
  const pl = payloads(9, 20);
  for (let i = 0; i < 20; i++) {
    if (i === 4 || i === 12) continue;
    send(i * P, rtp(PCMU, i, i * P, pl[i]));
    want.put(i * P, decode(PCMU, pl[i]));
  }
  leg.tick(now + 1000); // flush: the window now starts after packet 19
  assert.is(statSync(file).size, 44 + 20 * P * 2, 'the flush wrote everything placed so far');
  send(20 * P + 50, rtp(PCMU, 4, 4 * P, pl[4]));
  want.put(4 * P, decode(PCMU, pl[4]));
  send(20 * P + 60, rtp(PCMU, 12, 12 * P, pl[12]));
  want.put(12 * P, decode(PCMU, pl[12]));
  leg.close(0);
  assertSamples(readWav(file), want.samples);
  assert.is(counters[LegCounter.RECORDED], 20);
  assert.is(counters[LegCounter.LOST], 0);
});

test('late packet straddling the flushed part and the window: both halves land in place', () => {
  const { leg, file, send, now } = open();
  const want = new Expected();
  const pl = payloads(10, 12);
  for (let i = 0; i < 11; i++) {
    if (i === 9) continue;
    send(i * P, rtp(PCMA, i, i * P, pl[i]));
    want.put(i * P, decode(PCMA, pl[i]));
  }
  leg.tick(now + 1000); // flushed up to 11 * 160
  // Seq 9 arrives late carrying 480 samples: [1440, 1920) over the flushed [1440, 1760) and the window.
  const long = payloads(11, 1, 3 * P)[0];
  send(11 * P + 30, rtp(PCMA, 9, 9 * P, long));
  want.put(9 * P, decode(PCMA, long));
  leg.close(0);
  assertSamples(readWav(file), want.samples);
});

test('a gap longer than the 2 s window (3 s of silence) reads back as zeros', () => {
  const { leg, file, send } = open();
  const want = new Expected();
  const pl = payloads(12, 10);
  for (let i = 0; i < 5; i++) {
    send(i * P, rtp(PCMU, i, i * P, pl[i]));
    want.put(i * P, decode(PCMU, pl[i]));
  }
  for (let i = 5; i < 10; i++) {
    const pos = 24000 + i * P;
    send(pos + 5, rtp(PCMU, i, pos, pl[i]));
    want.put(pos, decode(PCMU, pl[i]));
  }
  leg.close(0);
  assertSamples(readWav(file), want.samples);
});

test('seeded long leg (60 s) with loss, reorder, duplicates and periodic ticks matches the model', () => {
  const { leg, file, counters, send, now } = open();
  const want = new Expected();
  const rnd = createPrng(0x1e9);
  const n = 3000;
  const pl = payloads(13, n);
  const events: { i: number; arrival: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rnd() % 50 === 0) continue; // lost
    events.push({ i, arrival: 800 + i * P + (i === 0 ? 0 : rnd() % 2400) });
    if (rnd() % 40 === 0) events.push({ i, arrival: 800 + i * P + 3000 });
  }
  events.sort((a, b) => a.arrival - b.arrival || a.i - b.i);
  const seen = new Set<number>();
  let dups = 0;
  for (const { i, arrival } of events) {
    send(arrival, rtp(PCMU, 60000 + i, 0xfff00000 + i * P, pl[i]));
    if (seen.has(i)) dups++;
    else want.put(800 + i * P, decode(PCMU, pl[i]));
    seen.add(i);
    leg.tick(now + Math.floor(arrival / 8)); // ms on the same clock as the arrivals
  }
  leg.close(0);
  assertSamples(readWav(file), want.samples);
  assert.is(counters[LegCounter.RECORDED], seen.size);
  assert.is(counters[LegCounter.DUPLICATE], dups);
  assert.is(counters[LegCounter.LOST], Math.max(...seen) + 1 - seen.size);
  assert.ok(counters[LegCounter.LOST] > 30 && counters[LegCounter.LATE] > 100 && dups > 30, 'the run had loss, reorder and duplicates');
});

test('close(endSamples) pads the leg with silence to the end of the call', () => {
  const { leg, file, send } = open();
  const want = new Expected();
  const [p0] = payloads(14, 1);
  send(200, rtp(PCMU, 1, 0, p0));
  want.put(200, decode(PCMU, p0));
  want.padTo(16000);
  const report = leg.close(16000);
  assert.equal(report, { samples: 16000, hasAudio: true, dataBytes: 32000, error: null, writeErrors: 0 });
  assertSamples(readWav(file), want.samples);
});

test('close(endSamples) shorter than the audio does not cut it', () => {
  const { leg, file, send } = open();
  const [p0] = payloads(15, 1);
  send(8000, rtp(PCMU, 1, 0, p0));
  assert.is(leg.close(100).samples, 8000 + P);
  assert.is(readWav(file).length, 8000 + P);
});

test('a leg with no audio, closed at the end of the call, is that much silence and hasAudio false', () => {
  const { leg, file } = open();
  const report = leg.close(8000);
  assert.is(report.hasAudio, false);
  assert.is(report.samples, 8000);
  const got = readWav(file);
  assert.is(got.length, 8000);
  assert.ok(got.every((s) => s === 0));
});

test('header refresh tick (in phase with the flush): data size = file size - 44 while recording', () => {
  const { leg, file, send, now } = open();
  const pl = payloads(16, 150);
  for (let i = 0; i < 75; i++) send(i * P, rtp(PCMU, i, i * P, pl[i]));
  leg.tick(now + 1000);
  for (let i = 75; i < 150; i++) send(i * P, rtp(PCMU, i, i * P, pl[i]));
  leg.tick(now + 2000);
  assert.is(headerDataBytes(file), 150 * P * 2);
  assert.is(headerDataBytes(file), statSync(file).size - 44);
  leg.close(0);
});

test('header refresh tick out of phase with the flush (flush at +1.5 s, header at +2 s): data size = file size - 44, not audio still in the window', () => {
  // The drain loop ticks every ~100 ms, so the 1 s flush and the 2 s header
  // timers drift apart: flush at +1500, header due at +2000, flush not due.
  const { leg, file, send, now } = open();
  const pl = payloads(17, 150);
  for (let i = 0; i < 75; i++) send(i * P, rtp(PCMU, i, i * P, pl[i]));
  leg.tick(now + 1500);
  for (let i = 75; i < 150; i++) send(i * P, rtp(PCMU, i, i * P, pl[i]));
  leg.tick(now + 2000);
  assert.is(headerDataBytes(file), statSync(file).size - 44, 'the header states audio that is not in the file yet');
  leg.close(0);
});

test('the header is not rewritten before 2 s; the data is not flushed before 1 s', () => {
  const { leg, file, send, now } = open();
  const pl = payloads(18, 10);
  for (let i = 0; i < 10; i++) send(i * P, rtp(PCMU, i, i * P, pl[i]));
  leg.tick(now + 999);
  assert.is(statSync(file).size, 44);
  assert.is(headerDataBytes(file), 0);
  leg.tick(now + 1000);
  assert.is(statSync(file).size, 44 + 10 * P * 2);
  assert.is(headerDataBytes(file), 0);
  leg.tick(now + 1999);
  assert.is(headerDataBytes(file), 0);
  leg.close(0);
  assert.is(headerDataBytes(file), 10 * P * 2);
});

test('SSRC and timestamps past 2^31 (negative int32 once parsed): in order and reordered across the sign boundary, nothing re-anchored', () => {
  const { leg, file, counters, send } = open();
  const want = new Expected();
  const pl = payloads(51, 40);
  const ssrc = 0xfedcba98;
  // Timestamps cross 0x80000000 between packets 1 and 2; packets 2 and 3 arrive swapped.
  const order = [0, 1, 3, 2, ...Array.from({ length: 36 }, (_, k) => k + 4)];
  for (const i of order) {
    send(i * P, rtp(PCMU, 60000 + i, (0x7fffff00 + i * P) >>> 0, pl[i], ssrc));
    want.put(i * P, decode(PCMU, pl[i]));
  }
  leg.close(0);
  assertSamples(readWav(file), want.samples);
  assert.is(counters[LegCounter.RECORDED], 40);
  assert.is(counters[LegCounter.LATE], 1);
  assert.is(counters[LegCounter.REANCHORED], 0);
  assert.is(counters[LegCounter.SSRC_CHANGES], 0);
});

test('legs one after another on a thread share windows: the next leg starts silent, and a closed leg touches nothing', () => {
  const first = open();
  const pl = payloads(41, 30);
  // Audio that is still in the window (not flushed) when the leg closes.
  for (let i = 0; i < pl.length; i++) first.send(i * P, rtp(PCMU, i, i * P, pl[i]));
  first.leg.close(0);
  const secondFile = path.join(dir, 'outgoing_20241225_143022.wav');
  const second = new LegRecorder(4, { path: secondFile, telephoneEventPt: 101 }, new Uint32Array(LEG_COUNTER_WORDS), () => {}, Date.now());
  // The second leg: a packet at 0 and one at 1 s; silence between, whatever the window held before.
  const [at0, at1s] = payloads(42, 2);
  second.onPacket(0, rtp(PCMU, 7, 5000, at0, 0x5555), 0, 12 + P);
  // The first leg, closed, is handed a packet: it must not land in the second leg's window
  // (it would overwrite the second leg's first audio), and a tick of the closed leg must not flush it.
  first.send(pl.length * P, rtp(PCMU, pl.length, pl.length * P, payloads(43, 1)[0]));
  first.leg.tick(Date.now() + 5000);
  second.onPacket(8000, rtp(PCMU, 8, 13000, at1s, 0x5555), 0, 12 + P);
  second.close(0);
  const want = new Expected();
  want.put(0, decode(PCMU, at0));
  want.put(8000, decode(PCMU, at1s));
  assertSamples(readWav(secondFile), want.samples);
});

test('counters: malformed, unknown payload type, telephone-event (PT 101), comfort noise, duplicate', () => {
  const { leg, counters, send, file } = open(101);
  const [p] = payloads(19, 1);
  send(0, rtp(PCMU, 1, 0, p));
  send(P, rtp(PCMU, 2, P, p));
  send(2 * P, rtp(PCMU, 2, P, p)); // duplicate
  send(2 * P, rtp(PCMU, 1, 0, p)); // duplicate
  send(2 * P, rtp(101, 3, 2 * P, Uint8Array.of(5, 10, 0, 160))); // telephone-event
  send(2 * P, rtp(101, 4, 2 * P, Uint8Array.of(5, 0x8a, 0, 160)));
  send(2 * P, rtp(13, 5, 2 * P, Uint8Array.of(0x40))); // comfort noise
  send(2 * P, rtp(9, 6, 2 * P, p)); // G.722: not decoded
  send(2 * P, rtp(96, 7, 2 * P, p));
  send(2 * P, rtp(PCMU, 8, 2 * P, new Uint8Array(0))); // no audio in it
  send(2 * P, Uint8Array.of(0x80, 0, 0)); // truncated
  send(2 * P, rtp(PCMU, 9, 2 * P, p).map((b, i) => (i === 0 ? 0x40 : b))); // version 1
  const c = counters;
  assert.is(c[LegCounter.RECORDED], 2);
  assert.is(c[LegCounter.DUPLICATE], 2);
  assert.is(c[LegCounter.TELEPHONE_EVENT], 2);
  assert.is(c[LegCounter.COMFORT_NOISE], 1);
  assert.is(c[LegCounter.UNKNOWN_PAYLOAD_TYPE], 2);
  assert.is(c[LegCounter.MALFORMED], 3);
  leg.close(0);
  // None of the non-audio packets reached the file.
  assert.is(readWav(file).length, 2 * P);
});

test('telephone-event is an unknown payload type when the leg has none (-1)', () => {
  const { leg, counters, send } = open(-1);
  send(0, rtp(101, 3, 0, Uint8Array.of(5, 10, 0, 160)));
  assert.is(counters[LegCounter.TELEPHONE_EVENT], 0);
  assert.is(counters[LegCounter.UNKNOWN_PAYLOAD_TYPE], 1);
  leg.close(0);
});

test('counters: lost, late, SSRC changes, re-anchors, samples, before-start', () => {
  const { leg, counters, send } = open();
  const pl = payloads(20, 10);
  send(100, rtp(PCMU, 10, 1000, pl[0]));
  send(100 + 2 * P, rtp(PCMU, 12, 1000 + 2 * P, pl[1])); // 11 lost
  assert.is(counters[LegCounter.LOST], 1);
  send(100 + 3 * P, rtp(PCMU, 11, 1000 + P, pl[2])); // 11 late
  assert.is(counters[LegCounter.LOST], 0);
  assert.is(counters[LegCounter.LATE], 1);
  send(100 + 3 * P, rtp(PCMU, 9, 1000 - P, pl[3])); // lands at 100 - 160 < 0
  assert.is(counters[LegCounter.BEFORE_START], 1);
  send(5000, rtp(PCMU, 13, 1000 + 3 * P + 80000, pl[4])); // 10 s timestamp jump
  assert.is(counters[LegCounter.REANCHORED], 1);
  send(6000, rtp(PCMU, 1, 0, pl[5], 0xdddd)); // new SSRC
  assert.is(counters[LegCounter.SSRC_CHANGES], 1);
  assert.is(counters[LegCounter.SAMPLES], 6000 + P);
  assert.is(counters[LegCounter.RECORDED], 5);
  leg.close(0);
});

test('the .bin fixtures through a leg: valid G.711 recorded, the rest counted where it belongs', () => {
  const { leg, counters, file } = open(101);
  let arrival = 0;
  let g711 = 0;
  for (const [name, f] of Object.entries(VALID)) {
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES_DIR, name)));
    // Each fixture in a ring-like buffer at an odd offset, as the drain loop hands them over.
    const ring = new Uint8Array(new SharedArrayBuffer(4096));
    ring.set(bytes, 333);
    leg.onPacket(arrival, ring, 333, bytes.length);
    arrival += 8000;
    if (f.payloadType === PCMU || f.payloadType === PCMA) g711++;
  }
  for (const name of Object.keys(INVALID)) {
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES_DIR, name)));
    leg.onPacket(arrival, bytes, 0, bytes.length);
  }
  assert.is(counters[LegCounter.RECORDED], g711);
  assert.is(counters[LegCounter.TELEPHONE_EVENT], 1);
  assert.is(counters[LegCounter.COMFORT_NOISE], 1);
  assert.is(counters[LegCounter.MALFORMED], Object.keys(INVALID).length);
  leg.close(0);
  assert.ok(readWav(file).length > 0);
});

test('the payload is read at the offset given, from a shared buffer', () => {
  const { leg, file } = open();
  const [p] = payloads(21, 1);
  const packet = rtp(PCMA, 1, 0, p);
  const ring = new Uint8Array(new SharedArrayBuffer(1024)).fill(0xd5);
  ring.set(packet, 517);
  leg.onPacket(40, ring, 517, packet.length);
  leg.close(0);
  const want = new Expected();
  want.put(40, decode(PCMA, p));
  assertSamples(readWav(file), want.samples);
});

test('write errors (a full disk: /dev/full) are counted and reported once, never thrown', () => {
  if (!existsSync('/dev/full')) return;
  const errors: string[] = [];
  const counters = new Uint32Array(LEG_COUNTER_WORDS);
  const now = Date.now();
  const leg = new LegRecorder(0, { path: '/dev/full', telephoneEventPt: -1 }, counters, (code) => errors.push(code), now);
  const pl = payloads(22, 10);
  for (let i = 0; i < 10; i++) leg.onPacket(i * P, rtp(PCMU, i, i * P, pl[i]), 0, 12 + P);
  leg.tick(now + 2000);
  const report = leg.close(0);
  assert.equal(errors, ['ENOSPC']);
  assert.is(report.error, 'ENOSPC');
  assert.ok(report.writeErrors >= 3, `${report.writeErrors} write errors`);
  assert.is(counters[LegCounter.WRITE_ERRORS], report.writeErrors);
  assert.is(counters[LegCounter.RECORDED], 10);
});

test.run();
