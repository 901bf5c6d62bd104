/** RingProducer.pushPacket + RingConsumer.drain (src/ring/): the main thread → worker hand-off, one thread here. */
import { RingConsumer, RingProducer, createRingBuffer } from '../../src/ring/index.js';
import type { RecordType } from '../../src/ring/index.js';
import { bench, consume, rtpPacket } from './harness.js';

const FILE = 'ring';
const sab = createRingBuffer(8 * 1024 * 1024);
const producer = new RingProducer(sab);
const consumer = new RingConsumer(sab);
const packet = rtpPacket(160);
let seen = 0;
const visit = (_type: RecordType, slot: number, arrival: number, data: Uint8Array, offset: number, length: number): boolean => {
  seen += slot + arrival + data[offset] + length;
  return true;
};

const BATCH = 256;
bench(
  FILE,
  'pushPacket 172 B then drain, per packet (batches of 256)',
  () => {
    for (let i = 0; i < BATCH; i++) producer.pushPacket(i & 63, i * 160, packet);
    consumer.drain(visit, 4096);
    consume(seen);
  },
  { opsPerCall: BATCH },
);
bench(
  FILE,
  'pushPacket 172 B then drain, one at a time',
  () => {
    producer.pushPacket(3, 160, packet);
    consumer.drain(visit, 4096);
    consume(seen);
  },
);
// Push alone: keep the ring from filling by draining outside the timed part is not possible
// in one loop, so drain cheaply every 4,096 pushes (amortised; counted in).
let n = 0;
bench(FILE, 'pushPacket 172 B alone (drain amortised over 4,096)', () => {
  producer.pushPacket(n & 63, n, packet);
  if ((++n & 4095) === 0) consumer.drain(visit, 8192);
});
