import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sequenceDelta, timestampDelta } from '../../src/rtp/index.js';

test('timestampDelta crosses the 32-bit wrap', () => {
  assert.is(timestampDelta(100, 0xffffff00), 356);
  assert.is(timestampDelta(0xffffff00, 100), -356);
});

test('sequenceDelta crosses the 16-bit wrap', () => {
  assert.is(sequenceDelta(2, 65534), 4);
  assert.is(sequenceDelta(65534, 2), -4);
  assert.is(sequenceDelta(10, 10), 0);
});

test.run();
