// Consumer thread for ring-worker.test.ts (ringbuf.js tests/worker.js style).
// Plain .mjs that registers tsx itself: a Worker given `execArgv: ['--import',
// 'tsx']` and a .ts entry fails on Node 20 ("Unknown file extension .ts").
//
// Drains the ring with seeded batch sizes and seeded pauses, and checks every
// record against its own copy of the seeded sequence; posts what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { RingConsumer, RecordType } = await import('../../src/ring/index.ts');
const { createSequence, fold, FNV_OFFSET, MAX_PAYLOAD } = await import('./sequence.ts');
const { createPrng } = await import('../helpers/prng.ts');

const { sab, seed, stoppedFlag } = workerData;
const consumer = new RingConsumer(sab);
const seq = createSequence(seed);
const rnd = createPrng(seed ^ 0x5bd1e995);
const expected = new Uint8Array(MAX_PAYLOAD);
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

let received = 0;
let checksum = FNV_OFFSET;
let error = null;
let stopped = false;
let pauses = 0;

const visit = (type, slot, arrival, data, offset, length) => {
  if (type === RecordType.STOP) {
    stopped = true;
    return false;
  }
  const want = seq.next(expected);
  if (type !== want.type || slot !== want.slot || arrival !== want.arrival || length !== want.length) {
    error = `record ${received}: got ${JSON.stringify({ type, slot, arrival, length })}, want ${JSON.stringify(want)}`;
  } else {
    for (let i = 0; i < length; i++) {
      if (data[offset + i] !== expected[i]) {
        error = `record ${received}: payload byte ${i} is ${data[offset + i]}, want ${expected[i]}`;
        break;
      }
    }
  }
  if (error !== null) {
    stopped = true;
    return false;
  }
  checksum = fold(checksum, want, data, offset);
  received++;
  return true;
};

while (!stopped) {
  const visited = consumer.drain(visit, 1 + (rnd() % 256));
  if (visited === 0) consumer.waitForWork(1);
  // Now and then a slow consumer, so the producer meets a full ring.
  else if (rnd() % 64 === 0) {
    pauses++;
    Atomics.wait(sleepWord, 0, 0, 2);
  }
}
// Tell the producer at once (it may be waiting on a full ring that will never drain).
Atomics.store(new Int32Array(stoppedFlag), 0, 1);
parentPort.postMessage({ received, checksum, error, pauses });
