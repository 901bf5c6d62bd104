/** parseRange (src/api/http-range.ts): RFC 9110 single byte ranges, pure. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRange } from '../../src/api/http-range.js';

const SIZE = 1000;

test('no header or an empty one: the whole file', () => {
  assert.equal(parseRange(undefined, SIZE), { kind: 'full' });
  assert.equal(parseRange('', SIZE), { kind: 'full' });
});

test('first-last, cut to the end', () => {
  assert.equal(parseRange('bytes=0-0', SIZE), { kind: 'partial', start: 0, end: 0 });
  assert.equal(parseRange('bytes=0-499', SIZE), { kind: 'partial', start: 0, end: 499 });
  assert.equal(parseRange('bytes=500-999', SIZE), { kind: 'partial', start: 500, end: 999 });
  assert.equal(parseRange('bytes=500-5000', SIZE), { kind: 'partial', start: 500, end: 999 });
  assert.equal(parseRange('BYTES = 1 - 2', SIZE), { kind: 'partial', start: 1, end: 2 });
  assert.equal(parseRange('bytes=0-99999999999999999999', SIZE), { kind: 'partial', start: 0, end: 999 });
});

test('open-ended and suffix', () => {
  assert.equal(parseRange('bytes=0-', SIZE), { kind: 'partial', start: 0, end: 999 });
  assert.equal(parseRange('bytes=999-', SIZE), { kind: 'partial', start: 999, end: 999 });
  assert.equal(parseRange('bytes=-1', SIZE), { kind: 'partial', start: 999, end: 999 });
  assert.equal(parseRange('bytes=-300', SIZE), { kind: 'partial', start: 700, end: 999 });
  assert.equal(parseRange('bytes=-1000', SIZE), { kind: 'partial', start: 0, end: 999 });
  assert.equal(parseRange('bytes=-5000', SIZE), { kind: 'partial', start: 0, end: 999 });
});

test('unsatisfiable: starts at or past the end, empty suffix, empty file', () => {
  for (const h of ['bytes=1000-', 'bytes=1000-1000', 'bytes=2000-3000', 'bytes=-0', 'bytes=99999999999999999999-']) {
    assert.equal(parseRange(h, SIZE), { kind: 'unsatisfiable' }, h);
  }
  assert.equal(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.equal(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' });
});

test('invalid syntax, other units and several ranges are ignored (whole file)', () => {
  for (const h of ['bytes', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=5-1', 'bytes=1-2-3', 'bytes=+1-2', 'bytes=0x10-', 'bytes=1.5-2',
    'items=0-1', 'bytes 0-1', '0-1', 'bytes=0-1,3-4', 'bytes=0-1, 3-4', 'bytes=-1,-2']) {
    assert.equal(parseRange(h, SIZE), { kind: 'full' }, h);
  }
});

test.run();
