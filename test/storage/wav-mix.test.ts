/**
 * mixWavFiles on real files: legs of different lengths (across the 64 Ki
 * chunk boundary), a leg whose header a crash left stale (its length comes
 * from the file size), empty and odd-sized legs; the mix read back with
 * wavefile. Also the stereo rendering done in the same pass.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as wavefileModule from 'wavefile';
import { createWavHeader } from '../../src/storage/wav-header.js';
import type * as Mix from '../../src/storage/wav-mix.js';
import { createPrng } from '../helpers/prng.js';

const { WaveFile } = ((wavefileModule as { default?: unknown }).default ?? wavefileModule) as typeof import('wavefile');

// wav-mix.ts imports src/audio, whose default import of alawmulaw is undefined
// under require() (uvu -r tsx): load it with import(), as Node runs it.
let mixWavFiles: typeof Mix.mixWavFiles;
let renderLegFiles: typeof Mix.renderLegFiles | undefined;
test.before(async () => {
  const m = await import('../../src/storage/wav-mix.js');
  mixWavFiles = m.mixWavFiles;
  renderLegFiles = m.renderLegFiles;
});

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'callrec-mix-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

function samples(seed: number, n: number): Int16Array {
  const rnd = createPrng(seed);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = (rnd() & 0xffff) - 0x8000;
  // The extremes, where a summing mix would clip.
  if (n > 4) s.set([32767, -32768, 32767, -32768], 0);
  return s;
}

/** A leg file: 44-byte header stating `headerBytes` (default: the truth), then the samples. */
function writeLeg(name: string, pcm: Int16Array, headerBytes = pcm.length * 2, extra: number[] = []): string {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat([createWavHeader(headerBytes), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), Buffer.from(extra)]));
  return file;
}

function readMono(file: string): Int16Array {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.is(view.getUint32(40, true), bytes.length - 44, 'data size = file size - 44');
  assert.is(view.getUint32(4, true), bytes.length - 8, 'RIFF size = file size - 8');
  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  assert.equal([fmt.numChannels, fmt.sampleRate, fmt.bitsPerSample], [1, 8000, 16]);
  return Int16Array.from(wav.getSamples(false, Int16Array) as unknown as ArrayLike<number>);
}

function expectedMix(legs: Int16Array[]): Int16Array {
  const n = Math.max(0, ...legs.map((l) => l.length));
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const l of legs) sum += i < l.length ? l[i] : 0;
    out[i] = Math.floor(sum / legs.length);
  }
  return out;
}

function assertSamples(got: Int16Array, want: Int16Array): void {
  assert.is(got.length, want.length, 'length');
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`sample ${i}: ${got[i]}, want ${want[i]}`);
}

test('two legs of different lengths, across the 64 Ki-sample chunk: floor average, as long as the longer', () => {
  const a = samples(1, 70_000);
  const b = samples(2, 65_536 + 3);
  const out = path.join(dir, 'mixed.wav');
  const result = mixWavFiles([writeLeg('in.wav', a), writeLeg('out.wav', b)], out);
  assert.equal(result, { samples: 70_000, dataBytes: 140_000 });
  assertSamples(readMono(out), expectedMix([a, b]));
  assert.is(statSync(out).size, 44 + 140_000);
});

test('the shorter leg can come first; the mix is still as long as the longest', () => {
  const a = samples(3, 100);
  const b = samples(4, 9000);
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles([writeLeg('a.wav', a), writeLeg('b.wav', b)], out);
  assertSamples(readMono(out), expectedMix([a, b]));
});

test('a leg with a stale header (a crash: header says 0 or too little) mixes by its file size', () => {
  const a = samples(5, 24_000);
  const b = samples(6, 16_000);
  const out = path.join(dir, 'mixed.wav');
  const result = mixWavFiles([writeLeg('a.wav', a, 0), writeLeg('b.wav', b, 3200)], out);
  assert.is(result.samples, 24_000);
  assertSamples(readMono(out), expectedMix([a, b]));
});

test('a leg whose header states more than the file holds is cut to its file size', () => {
  const a = samples(7, 1000);
  const b = samples(8, 500);
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles([writeLeg('a.wav', a, 1_000_000), writeLeg('b.wav', b)], out);
  assertSamples(readMono(out), expectedMix([a, b]));
});

test('an odd trailing byte (half a sample) is ignored', () => {
  const a = samples(9, 300);
  const b = samples(10, 301);
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles([writeLeg('a.wav', a, 600, [0x7f]), writeLeg('b.wav', b)], out);
  assertSamples(readMono(out), expectedMix([a, b]));
});

test('an empty leg (header only) counts as silence; two empty legs make an empty, valid mix', () => {
  const a = samples(11, 800);
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles([writeLeg('a.wav', a), writeLeg('e.wav', new Int16Array(0))], out);
  assertSamples(readMono(out), expectedMix([a, new Int16Array(0)]));
  const out2 = path.join(dir, 'mixed2.wav');
  assert.equal(mixWavFiles([writeLeg('e1.wav', new Int16Array(0)), writeLeg('e2.wav', new Int16Array(0))], out2), { samples: 0, dataBytes: 0 });
  assertSamples(readMono(out2), new Int16Array(0));
});

test('a file shorter than a header counts as empty', () => {
  const a = samples(12, 50);
  const stub = path.join(dir, 'stub.wav');
  writeFileSync(stub, Buffer.from('RIFF'));
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles([writeLeg('a.wav', a), stub], out);
  assertSamples(readMono(out), expectedMix([a, new Int16Array(0)]));
});

test('three legs (an extra SIPREC stream): floor of the three-way average', () => {
  const legs = [samples(13, 5000), samples(14, 7000), samples(15, 2000)];
  const out = path.join(dir, 'mixed.wav');
  mixWavFiles(legs.map((l, i) => writeLeg(`l${i}.wav`, l)), out);
  assertSamples(readMono(out), expectedMix(legs));
});

test('an existing output file is replaced, not partly overwritten', () => {
  const out = path.join(dir, 'mixed.wav');
  writeFileSync(out, Buffer.alloc(1_000_000, 0x55));
  const a = samples(16, 100);
  mixWavFiles([writeLeg('a.wav', a), writeLeg('b.wav', a)], out);
  assertSamples(readMono(out), a);
});

test('a missing input throws (ENOENT) rather than writing a half mix', () => {
  const out = path.join(dir, 'mixed.wav');
  assert.throws(() => mixWavFiles([writeLeg('a.wav', samples(17, 10)), path.join(dir, 'nope.wav')], out), /ENOENT/);
});

test('a missing input leaks no file descriptor (the inputs opened before it are closed)', () => {
  if (!existsSync('/proc/self/fd')) return;
  const out = path.join(dir, 'mixed.wav');
  const a = writeLeg('a.wav', samples(20, 10));
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 5; i++) assert.throws(() => mixWavFiles([a, a, path.join(dir, 'nope.wav')], out), /ENOENT/);
  assert.is(readdirSync('/proc/self/fd').length, before, 'open file descriptors grew');
});

test('stereo in the same pass: left = first leg, right = second, each padded with 0', () => {
  if (renderLegFiles === undefined) return;
  const a = samples(18, 70_000);
  const b = samples(19, 1234);
  const mixed = path.join(dir, 'mixed.wav');
  const stereo = path.join(dir, 'stereo.wav');
  renderLegFiles({ inputs: [writeLeg('a.wav', a), writeLeg('b.wav', b)], mixedPath: mixed, stereoPath: stereo });
  assertSamples(readMono(mixed), expectedMix([a, b]));
  const bytes = readFileSync(stereo);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.is(view.getUint32(40, true), bytes.length - 44);
  assert.is(view.getUint16(22, true), 2);
  assert.is(view.getUint16(32, true), 4);
  assert.is(view.getUint32(28, true), 32000);
  const wav = new WaveFile(bytes);
  const [left, right] = wav.getSamples(false, Int16Array) as unknown as Int16Array[];
  const pad = (x: Int16Array) => Int16Array.from({ length: 70_000 }, (_, i) => (i < x.length ? x[i] : 0));
  assertSamples(Int16Array.from(left), a);
  assertSamples(Int16Array.from(right), pad(b));
  assert.throws(() => renderLegFiles!({ inputs: [writeLeg('c.wav', a)], mixedPath: null, stereoPath: stereo }), TypeError);
});

test('one render after another (the buffers are reused): nothing of the earlier call reaches the next', () => {
  if (renderLegFiles === undefined) return;
  // A long, loud call first fills every chunk buffer, three inputs and the stereo one included.
  const loud = [samples(20, 70_000), samples(21, 70_000), samples(22, 70_000)];
  renderLegFiles({ inputs: loud.map((l, i) => writeLeg(`loud${i}.wav`, l)), mixedPath: path.join(dir, 'loud.wav'), stereoPath: null });
  renderLegFiles({ inputs: [writeLeg('l0.wav', loud[0]), writeLeg('l1.wav', loud[1])], mixedPath: null, stereoPath: path.join(dir, 'loud-stereo.wav') });
  // Then short legs of different lengths: past its end a leg must count as 0, not as what the buffer held.
  const a = samples(23, 500);
  const b = samples(24, 70);
  const mixed = path.join(dir, 'mixed.wav');
  const stereo = path.join(dir, 'stereo.wav');
  renderLegFiles({ inputs: [writeLeg('a.wav', a), writeLeg('b.wav', b)], mixedPath: mixed, stereoPath: stereo });
  assertSamples(readMono(mixed), expectedMix([a, b]));
  const [left, right] = new WaveFile(readFileSync(stereo)).getSamples(false, Int16Array) as unknown as Int16Array[];
  assertSamples(Int16Array.from(left), a);
  assertSamples(Int16Array.from(right), Int16Array.from({ length: 500 }, (_, i) => (i < b.length ? b[i] : 0)));
  const silent = new Int16Array(300);
  mixWavFiles([writeLeg('s0.wav', silent), writeLeg('s1.wav', silent)], mixed);
  assertSamples(readMono(mixed), silent);
});

test.run();
