/**
 * G.711 decode tables: equal to the reference (alawmulaw.decodeSample) for
 * all 256 codes, anchored by a few values from ITU-T G.711 itself, and
 * decodeG711 honours both offsets and the length.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as alawmulawModule from 'alawmulaw';
import type * as Audio from '../../src/audio/index.js';

// CommonJS marked __esModule: default import is undefined under require(), the module under ESM.
const alawmulaw = ((alawmulawModule as { default?: typeof alawmulawModule }).default ?? alawmulawModule) as typeof import('alawmulaw');

// Loaded with import(), not a static import: `uvu -r tsx` require()s this file,
// and src/audio/g711.ts's `import alawmulaw from 'alawmulaw'` is undefined
// under require() (see the report); import() loads src as Node runs it (ESM).
let MULAW_TO_PCM: Int16Array;
let ALAW_TO_PCM: Int16Array;
let decodeG711: typeof Audio.decodeG711;
test.before(async () => {
  ({ MULAW_TO_PCM, ALAW_TO_PCM, decodeG711 } = await import('../../src/audio/index.js'));
});

test('tables are 256-entry Int16Arrays', () => {
  assert.instance(MULAW_TO_PCM, Int16Array);
  assert.instance(ALAW_TO_PCM, Int16Array);
  assert.is(MULAW_TO_PCM.length, 256);
  assert.is(ALAW_TO_PCM.length, 256);
});

test('µ-law table equals alawmulaw.mulaw.decodeSample for every code', () => {
  for (let code = 0; code < 256; code++) {
    // `| 0`: the reference returns -0 for 0x7f; the table holds 0.
    assert.is(MULAW_TO_PCM[code], alawmulaw.mulaw.decodeSample(code) | 0, `µ-law 0x${code.toString(16)}`);
  }
});

test('A-law table equals alawmulaw.alaw.decodeSample for every code', () => {
  for (let code = 0; code < 256; code++) {
    assert.is(ALAW_TO_PCM[code], alawmulaw.alaw.decodeSample(code) | 0, `A-law 0x${code.toString(16)}`);
  }
});

test('known G.711 values: µ-law 0xff/0x7f silence, 0x00/0x80 full scale; A-law 0xd5/0x55 ±8, 0xaa/0x2a ±32256', () => {
  assert.is(MULAW_TO_PCM[0xff], 0);
  assert.is(MULAW_TO_PCM[0x7f], 0);
  assert.is(MULAW_TO_PCM[0x00], -32124);
  assert.is(MULAW_TO_PCM[0x80], 32124);
  assert.is(ALAW_TO_PCM[0xd5], 8);
  assert.is(ALAW_TO_PCM[0x55], -8);
  assert.is(ALAW_TO_PCM[0xaa], 32256);
  assert.is(ALAW_TO_PCM[0x2a], -32256);
});

test('the tables are symmetric: flipping the sign bit negates the sample', () => {
  for (let code = 0; code < 128; code++) {
    assert.is(MULAW_TO_PCM[code], -MULAW_TO_PCM[code | 0x80] | 0, `µ-law 0x${code.toString(16)}`);
    assert.is(ALAW_TO_PCM[code], -ALAW_TO_PCM[code | 0x80] | 0, `A-law 0x${code.toString(16)}`);
  }
});

test('decodeG711 decodes every code the same as the reference decode()', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const mu = new Int16Array(256);
  const a = new Int16Array(256);
  decodeG711(MULAW_TO_PCM, all, 0, 256, mu, 0);
  decodeG711(ALAW_TO_PCM, all, 0, 256, a, 0);
  assert.equal([...mu], [...alawmulaw.mulaw.decode(all)].map((v) => v | 0));
  assert.equal([...a], [...alawmulaw.alaw.decode(all)].map((v) => v | 0));
});

test('decodeG711 reads src[srcOffset, +length) and writes dst[dstOffset, +length) only', () => {
  const src = Uint8Array.from([0x00, 0x11, 0xff, 0x80, 0xd5, 0x22]);
  const dst = new Int16Array(8).fill(12345);
  decodeG711(MULAW_TO_PCM, src, 2, 3, dst, 4);
  assert.equal([...dst], [12345, 12345, 12345, 12345, 0, 32124, MULAW_TO_PCM[0xd5], 12345]);
  // Length 0 writes nothing.
  decodeG711(ALAW_TO_PCM, src, 0, 0, dst, 0);
  assert.is(dst[0], 12345);
});

test('decodeG711 works on a payload inside a larger (ring-like) buffer', () => {
  const ring = new Uint8Array(new SharedArrayBuffer(64));
  ring.set([0xd5, 0x55, 0xaa, 0x2a], 40);
  const dst = new Int16Array(4);
  decodeG711(ALAW_TO_PCM, ring, 40, 4, dst, 0);
  assert.equal([...dst], [8, -8, 32256, -32256]);
});

test.run();
