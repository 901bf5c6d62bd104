/**
 * The ring across a real thread (ringbuf.js tests/test.mjs): the main thread
 * produces a long seeded sequence of packets and control records, a Worker
 * (ring-worker.mjs) consumes it and verifies every record, byte for byte,
 * against its own copy of the sequence. Same seed ⇒ same records, same checksum.
 */
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RING_DATA_OFFSET, RecordType, RingProducer, createRingBuffer } from '../../src/ring/index.js';
import { RING_WORD_HIGH_WATER, RING_WORD_READ, RING_WORD_WAKE, RING_WORD_WRITE } from '../../src/ring/layout.js';
import { FNV_OFFSET, MAX_PAYLOAD, T_PACKET, createSequence, fold } from './sequence.js';

const RECORDS = 100_000;
const DEADLINE_MS = 25_000;

interface WorkerReport {
  received: number;
  checksum: number;
  error: string | null;
  pauses: number;
}

function checksumOf(seed: number, records: number): number {
  const seq = createSequence(seed);
  const payload = new Uint8Array(MAX_PAYLOAD);
  let h = FNV_OFFSET;
  for (let i = 0; i < records; i++) h = fold(h, seq.next(payload), payload, 0);
  return h;
}

async function run(seed: number, capacity: number): Promise<{ report: WorkerReport; checksum: number; refused: number; sab: SharedArrayBuffer }> {
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const stoppedFlag = new SharedArrayBuffer(4);
  const stopped = new Int32Array(stoppedFlag);
  const worker = new Worker(new URL('./ring-worker.mjs', import.meta.url), { workerData: { sab, seed, stoppedFlag } });
  const done = new Promise<WorkerReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`consumer worker exited with ${code} before reporting`)));
  });
  done.catch(() => {}); // awaited below; if producing throws first, its rejection is not the news
  const sleepWord = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + DEADLINE_MS;
  const seq = createSequence(seed);
  const payload = new Uint8Array(MAX_PAYLOAD);
  let checksum = FNV_OFFSET;
  let refused = 0;
  /** False when the consumer has stopped (it found a bad record): stop producing. */
  const waitForSpace = (): boolean => {
    refused++;
    if (Atomics.load(stopped, 0) !== 0) return false;
    if (Date.now() > deadline) throw new Error(`ring stayed full past ${DEADLINE_MS} ms (consumer stuck or dead)`);
    Atomics.wait(sleepWord, 0, 0, 0.2);
    return true;
  };
  try {
    produce: for (let i = 0; i < RECORDS; i++) {
      const rec = seq.next(payload);
      const view = payload.subarray(0, rec.length);
      if (rec.type === T_PACKET) {
        while (!producer.pushPacket(rec.slot, rec.arrival, view)) if (!waitForSpace()) break produce;
      } else {
        while (!producer.pushControl(rec.type as RecordType, rec.slot, view)) if (!waitForSpace()) break produce;
      }
      checksum = fold(checksum, rec, payload, 0);
      // Let the event loop see a worker that died early.
      if ((i & 0x3fff) === 0) await new Promise((r) => setImmediate(r));
    }
    while (Atomics.load(stopped, 0) === 0 && !producer.pushControl(RecordType.STOP, 0, null)) waitForSpace();
    const report = await done;
    return { report, checksum, refused, sab };
  } finally {
    await worker.terminate();
  }
}

test('a Worker drains 100k seeded records through a 64 KiB ring, in order and intact; same seed ⇒ same checksum', async () => {
  const seed = 20241225;
  const { report, checksum, refused, sab } = await run(seed, 65536);
  assert.is(report.error, null);
  assert.is(report.received, RECORDS);
  assert.is(report.checksum, checksum);
  assert.is(checksum, checksumOf(seed, RECORDS), 'same seed ⇒ same sequence');
  assert.is.not(checksum, checksumOf(seed + 1, RECORDS));
  // The run went round the ring many times and met a full ring.
  const ctrl = new Int32Array(sab, 0, RING_DATA_OFFSET / 4);
  const write = ctrl[RING_WORD_WRITE] >>> 0;
  assert.ok(write / 65536 > 200, `only ${Math.floor(write / 65536)} times round`);
  assert.is(ctrl[RING_WORD_READ] >>> 0, write, 'the consumer read everything');
  assert.ok(refused > 0, 'the producer never met a full ring');
  assert.ok(ctrl[RING_WORD_HIGH_WATER] <= 65536);
  for (let w = 0; w < ctrl.length; w++) {
    if (w !== RING_WORD_WRITE && w !== RING_WORD_HIGH_WATER && w !== RING_WORD_READ && w !== RING_WORD_WAKE) assert.is(ctrl[w], 0, `canary word ${w}`);
  }
});

test.run();
