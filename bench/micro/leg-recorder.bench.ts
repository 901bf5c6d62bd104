/**
 * LegRecorder.onPacket (src/record/leg-recorder.ts): parse, place on the
 * timeline, decode into the window, and the flush (one pwrite per 2 s of
 * audio) that comes with it — a worker's whole per-packet work. The file goes
 * to /dev/shm when it exists, so disk noise stays out of the number.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LegRecorder } from '../../src/record/index.js';
import { createLegCounters, legCounterView } from '../../src/ring/index.js';
import { mulberry32 } from '../prng.js';
import { bench, consume, rtpPacket } from './harness.js';

const FILE = 'leg-recorder';
const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'callrec-micro-'));
const counters = legCounterView(createLegCounters(4), 0);
const packets = 1 << 12;
// One buffer of consecutive packets, as a ring holds them.
const stride = 176;
const buf = new Uint8Array(packets * stride);
for (let i = 0; i < packets; i++) buf.set(rtpPacket(160, 0, i & 0xffff, i * 160), i * stride);

function run(name: string, pt: number): void {
  for (let i = 0; i < packets; i++) buf[i * stride + 1] = pt;
  let recorder = new LegRecorder(0, { path: path.join(dir, `${name}.wav`), telephoneEventPt: 101 }, counters, () => {}, Date.now());
  let i = 0;
  let base = 0;
  bench(FILE, name, () => {
    // Rewrite seq/timestamp so the stream goes on forever (4,096 packets, then the next lap).
    const at = (i & (packets - 1)) * stride;
    const seq = i & 0xffff;
    const ts = (i * 160) >>> 0;
    buf[at + 2] = seq >> 8;
    buf[at + 3] = seq & 0xff;
    buf[at + 4] = ts >>> 24;
    buf[at + 5] = (ts >>> 16) & 0xff;
    buf[at + 6] = (ts >>> 8) & 0xff;
    buf[at + 7] = ts & 0xff;
    recorder.onPacket(base + i * 160, buf, at, 172);
    i++;
    // Keep the file from growing without end: a new leg every ~10 min of audio.
    if (i === 30000) {
      recorder.close(0);
      recorder = new LegRecorder(0, { path: path.join(dir, `${name}.wav`), telephoneEventPt: 101 }, counters, () => {}, Date.now());
      base = 0;
      i = 0;
    }
  });
  recorder.close(0);
  consume(counters[0]);
}

/**
 * 2,000 legs taking turns, as a drain thread sees them at 1,000 calls: each
 * packet touches a different leg's state and window. SSRCs and timestamp
 * origins are random 32-bit values, as RFC 3550 senders choose them (half
 * are ≥ 2^31: the case that once boxed numbers per packet). Files go to
 * /dev/null, so this is the JavaScript path and the write syscalls without
 * the page cache (which the load bench measures).
 */
function runManyLegs(name: string, legCount: number): void {
  const rnd = mulberry32(7);
  const manyCounters = createLegCounters(legCount);
  const legs: LegRecorder[] = [];
  const ssrc = new Uint32Array(legCount);
  const ts0 = new Uint32Array(legCount);
  for (let leg = 0; leg < legCount; leg++) {
    legs.push(new LegRecorder(leg, { path: '/dev/null', telephoneEventPt: 101 }, legCounterView(manyCounters, leg), () => {}, 0));
    ssrc[leg] = (rnd() * 0x100000000) >>> 0;
    ts0[leg] = (rnd() * 0x100000000) >>> 0;
  }
  const view = new DataView(buf.buffer);
  for (let i = 0; i < packets; i++) buf[i * stride + 1] = 0;
  let n = 0;
  bench(FILE, name, () => {
    const leg = n % legCount;
    const round = (n - leg) / legCount;
    const at = (n & (packets - 1)) * stride;
    view.setUint16(at + 2, round & 0xffff);
    view.setUint32(at + 4, (ts0[leg] + round * 160) >>> 0);
    view.setUint32(at + 8, ssrc[leg]);
    legs[leg].onPacket(round * 160, buf, at, 172);
    n++;
    // Every 100 ms of audio, the drain loop's tick for every leg (flush each 1 s, header each 2 s).
    if (n % (legCount * 5) === 0) for (const l of legs) l.tick(round * 20);
  });
  for (const l of legs) l.close(0);
  consume(manyCounters.byteLength);
}

try {
  run('LegRecorder.onPacket µ-law 20 ms, in order (incl. flushes)', 0);
  run('LegRecorder.onPacket A-law 20 ms, in order (incl. flushes)', 8);
  runManyLegs('LegRecorder.onPacket µ-law, 2,000 legs taking turns (incl. ticks, files /dev/null)', 2000);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
