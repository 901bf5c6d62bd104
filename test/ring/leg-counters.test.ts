/**
 * Per-leg counters in one SharedArrayBuffer: each slot's view is its own
 * LEG_COUNTER_WORDS words, views of neighbouring slots never overlap, and
 * every named counter has its own word inside the slot.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LEG_COUNTER_WORDS, LegCounter, createLegCounters, legCounterView } from '../../src/ring/index.js';

test('createLegCounters: slots × LEG_COUNTER_WORDS 32-bit words, zeroed, shared', () => {
  assert.is(LEG_COUNTER_WORDS, 16);
  const sab = createLegCounters(10);
  assert.instance(sab, SharedArrayBuffer);
  assert.is(sab.byteLength, 10 * 16 * 4);
  assert.ok(new Uint32Array(sab).every((v) => v === 0));
});

test('every counter has a distinct word inside the slot', () => {
  const words = Object.values(LegCounter);
  assert.is(new Set(words).size, words.length, 'two counters share a word');
  for (const [name, w] of Object.entries(LegCounter)) assert.ok(Number.isInteger(w) && w >= 0 && w < LEG_COUNTER_WORDS, `${name} = ${w}`);
});

test('legCounterView: slot s is words [16s, 16s + 16); writing one slot never touches another', () => {
  const sab = createLegCounters(4);
  const views = [0, 1, 2, 3].map((s) => legCounterView(sab, s));
  for (const v of views) assert.is(v.length, LEG_COUNTER_WORDS);
  views[2].fill(0xffffffff);
  views[1][LegCounter.RECORDED] = 7;
  const all = new Uint32Array(sab);
  assert.ok(all.subarray(32, 48).every((v) => v === 0xffffffff));
  assert.is(all[16 + LegCounter.RECORDED], 7);
  assert.ok(all.subarray(0, 16).every((v) => v === 0));
  assert.ok(all.subarray(48, 64).every((v) => v === 0));
  // A second view of the same slot sees the same memory (as the main thread's would).
  assert.is(legCounterView(sab, 1)[LegCounter.RECORDED], 7);
});

test('a view past the last slot is refused by the typed array (no silent aliasing)', () => {
  const sab = createLegCounters(2);
  assert.throws(() => legCounterView(sab, 2), RangeError);
});

test.run();
