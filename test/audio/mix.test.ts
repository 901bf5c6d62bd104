/**
 * mixAverage: out[n] = floor(sum of inputs[n] / count), an input past its
 * length counts as 0 (it still counts in the divisor), and averaging never
 * clips, even at the extremes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// mix.ts directly: audio/index.js also loads g711.ts (see g711.test.ts on why that needs import()).
import { mixAverage } from '../../src/audio/mix.js';
import { createPrng } from '../helpers/prng.js';

const i16 = (...v: number[]) => Int16Array.from(v);

function mix(inputs: Int16Array[], lengths = inputs.map((x) => x.length), length = Math.max(0, ...lengths)): number[] {
  const out = new Int16Array(length);
  mixAverage(inputs, lengths, out, length);
  return [...out];
}

test('two legs: the average', () => {
  assert.equal(mix([i16(100, 200, -300, 0), i16(300, 0, -100, 0)]), [200, 100, -200, 0]);
});

test('odd sums are floored, towards -infinity (not truncated towards 0)', () => {
  assert.equal(mix([i16(1, -1, 3, -3, 0), i16(0, 0, 0, 0, -1)]), [0, -1, 1, -2, -1]);
});

test('extremes do not clip or wrap', () => {
  assert.equal(mix([i16(32767, -32768, 32767, -32768), i16(32767, -32768, -32768, 32767)]), [32767, -32768, -1, -1]);
});

test('a shorter leg counts as 0 past its end, and still counts in the divisor', () => {
  assert.equal(mix([i16(100, 100), i16(100, 100, 100, 101)]), [100, 100, 50, 50]);
  assert.equal(mix([i16(-32768, -32768, -32768), i16()]), [-16384, -16384, -16384]);
});

test('lengths, not array sizes, bound each input (stale data past the length is ignored)', () => {
  const a = i16(10, 10, 9999, 9999);
  const b = i16(30, 30, 30, 30);
  assert.equal(mix([a, b], [2, 4], 4), [20, 20, 15, 15]);
});

test('three inputs: floor(sum / 3)', () => {
  assert.equal(mix([i16(1, 32767, -32768), i16(1, 32767, -32768), i16(0, 32767, -32767)]), [0, 32767, -32768]);
});

test('only `length` outputs are written', () => {
  const out = new Int16Array(4).fill(7);
  mixAverage([i16(2, 2, 2, 2), i16(4, 4, 4, 4)], [4, 4], out, 2);
  assert.equal([...out], [3, 3, 7, 7]);
});

test('seeded: matches floor(mean) with zero-extension for random legs and lengths', () => {
  const rnd = createPrng(7);
  for (let round = 0; round < 200; round++) {
    const count = 1 + (rnd() % 3);
    const inputs: Int16Array[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < count; i++) {
      const n = rnd() % 50;
      const x = new Int16Array(n + (rnd() % 3));
      for (let j = 0; j < x.length; j++) x[j] = (rnd() & 0xffff) - 0x8000;
      inputs.push(x);
      lengths.push(n);
    }
    const length = Math.max(0, ...lengths);
    const got = mix(inputs, lengths, length);
    for (let n = 0; n < length; n++) {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += n < lengths[i] ? inputs[i][n] : 0;
      assert.is(got[n], Math.floor(sum / count), `round ${round}, sample ${n}`);
    }
  }
});

test.run();
