import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sequenceDelta, timestampDelta } from '../../src/rtp/index.js';
import { createPrng } from '../helpers/prng.js';

test('timestampDelta crosses the 32-bit wrap', () => {
  assert.is(timestampDelta(100, 0xffffff00), 356);
  assert.is(timestampDelta(0xffffff00, 100), -356);
});

test('sequenceDelta crosses the 16-bit wrap', () => {
  assert.is(sequenceDelta(2, 65534), 4);
  assert.is(sequenceDelta(65534, 2), -4);
  assert.is(sequenceDelta(10, 10), 0);
});

test('timestampDelta: plain distances, both signs, at the half-circle boundary', () => {
  assert.is(timestampDelta(160, 0), 160);
  assert.is(timestampDelta(0, 160), -160);
  assert.is(timestampDelta(0xffffffff, 0), -1);
  assert.is(timestampDelta(0, 0xffffffff), 1);
  assert.is(timestampDelta(0x7fffffff, 0), 0x7fffffff);
  // Exactly half way round is ambiguous; it comes out as the negative half.
  assert.is(timestampDelta(0x80000000, 0), -0x80000000);
  assert.is(timestampDelta(0x80000001, 0), -0x7fffffff);
});

test('sequenceDelta: plain distances, at the half-circle boundary', () => {
  assert.is(sequenceDelta(1, 0), 1);
  assert.is(sequenceDelta(0, 1), -1);
  assert.is(sequenceDelta(0, 65535), 1);
  assert.is(sequenceDelta(65535, 0), -1);
  assert.is(sequenceDelta(0x7fff, 0), 0x7fff);
  assert.is(sequenceDelta(0x8000, 0), -0x8000);
  assert.is(sequenceDelta(0x8001, 0), -0x7fff);
});

test('seeded: from + delta lands on to (mod 2^32 / 2^16), delta within the half circle', () => {
  const rnd = createPrng(42);
  for (let i = 0; i < 20_000; i++) {
    const a = rnd();
    const b = rnd();
    const d = timestampDelta(a, b);
    assert.ok(d >= -0x80000000 && d < 0x80000000 && Number.isInteger(d));
    assert.is((b + d) >>> 0, a);
    const sa = a & 0xffff;
    const sb = b & 0xffff;
    const s = sequenceDelta(sa, sb);
    assert.ok(s >= -0x8000 && s < 0x8000 && Number.isInteger(s));
    assert.is((sb + s) & 0xffff, sa);
    // Small steps forward are small positive distances whatever the start.
    const step = rnd() % 1000;
    assert.is(timestampDelta((b + step) >>> 0, b), step);
    assert.is(sequenceDelta((sb + step) & 0xffff, sb), step);
  }
});

test.run();
