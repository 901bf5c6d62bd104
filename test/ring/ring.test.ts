/**
 * The SAB packet ring on one thread: layout, records in order with their
 * bytes intact, PAD and wrap-around many times round with seeded random
 * sizes, a full ring that refuses without corrupting, the control reserve,
 * the high-water mark, 32-bit counter wrap, and canaries in the control
 * lines. (ring-worker.test.ts does it again across a real thread.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONTROL_RESERVE_BYTES,
  controlReserveBytes,
  MAX_PACKET_BYTES,
  RING_DATA_OFFSET,
  RING_WORD_HIGH_WATER,
  RecordType,
  RingConsumer,
  RingProducer,
  createRingBuffer,
  ringCapacity,
} from '../../src/ring/index.js';
import {
  RECORD_HEADER_BYTES,
  RECORD_LENGTH_MASK,
  RECORD_TYPE_SHIFT,
  RING_WORD_READ,
  RING_WORD_WAKE,
  RING_WORD_WRITE,
  recordBytes,
} from '../../src/ring/layout.js';
import { FNV_OFFSET, MAX_PAYLOAD, T_CLOSE, T_OPEN, T_PACKET, createSequence, fold } from './sequence.js';
import type { SeqRecord } from './sequence.js';

interface Seen {
  type: number;
  slot: number;
  arrival: number;
  bytes: number[];
}

function drainAll(consumer: RingConsumer, max = Infinity): Seen[] {
  const out: Seen[] = [];
  consumer.drain((type, slot, arrival, data, offset, length) => {
    out.push({ type, slot, arrival, bytes: [...data.subarray(offset, offset + length)] });
    return true;
  }, max);
  return out;
}

/** Control-line words nobody may write: everything but WRITE, HIGH_WATER, READ, WAKE. */
function assertCanaries(sab: SharedArrayBuffer, where: string): void {
  const ctrl = new Int32Array(sab, 0, RING_DATA_OFFSET / 4);
  for (let w = 0; w < ctrl.length; w++) {
    if (w === RING_WORD_WRITE || w === RING_WORD_HIGH_WATER || w === RING_WORD_READ || w === RING_WORD_WAKE) continue;
    if (ctrl[w] !== 0) assert.unreachable(`${where}: control word ${w} is ${ctrl[w]}, expected 0`);
  }
}

test('layout: producer and consumer words on separate 64-byte lines, data at 128', () => {
  assert.is(RING_WORD_WRITE, 0);
  assert.is(RING_WORD_HIGH_WATER, 1);
  assert.is(RING_WORD_READ, 16);
  assert.is(RING_WORD_WAKE, 17);
  assert.is(RING_DATA_OFFSET, 128);
  assert.ok(RING_WORD_HIGH_WATER * 4 < 64 && RING_WORD_READ * 4 >= 64 && RING_WORD_WAKE * 4 < 128);
  assert.is(RECORD_HEADER_BYTES, 12);
  assert.is(RECORD_TYPE_SHIFT, 24);
  assert.is(RECORD_LENGTH_MASK, 0xffffff);
  assert.is(RecordType.PAD, 0);
  assert.equal([RecordType.PACKET, RecordType.OPEN, RecordType.CLOSE, RecordType.STOP], [1, 2, 3, 4]);
  const types = Object.values(RecordType) as number[];
  assert.is(new Set(types).size, types.length, 'two record types share a number');
  assert.ok(types.every((t) => Number.isInteger(t) && t >= 0 && t < 256), 'a type does not fit the top byte of word 0');
  // The test sequence uses the same numbers.
  assert.equal([T_PACKET, T_OPEN, T_CLOSE], [RecordType.PACKET, RecordType.OPEN, RecordType.CLOSE]);
  assert.is(MAX_PAYLOAD, MAX_PACKET_BYTES);
});

test('recordBytes: 12-byte header + payload padded to 4', () => {
  assert.equal([0, 1, 2, 3, 4, 5, 160, 172, 2048].map(recordBytes), [12, 16, 16, 16, 16, 20, 172, 184, 2060]);
});

test('createRingBuffer: data offset + capacity bytes; ringCapacity reads it back', () => {
  for (const capacity of [4096, 8192, 65536, 1 << 20]) {
    const sab = createRingBuffer(capacity);
    assert.instance(sab, SharedArrayBuffer);
    assert.is(sab.byteLength, RING_DATA_OFFSET + capacity);
    assert.is(ringCapacity(sab), capacity);
    assert.is(new RingProducer(sab).capacity, capacity);
    assert.is(new RingConsumer(sab).capacity, capacity);
  }
});

test('createRingBuffer rejects capacities that are not a power of two >= 4096, with a TypeError', () => {
  for (const bad of [0, 1, 2048, 4095, 4097, 6144, 12288, -4096, 4096.5, NaN, Infinity, '65536' as unknown as number]) {
    assert.throws(() => createRingBuffer(bad), (err: Error) => err instanceof TypeError && /power of two/.test(err.message), `capacity ${String(bad)}`);
  }
});

test('every capacity createRingBuffer accepts can queue a MAX_PACKET_BYTES packet (reserve included)', () => {
  // createRingBuffer accepts 4096..16384, but pushPacket keeps CONTROL_RESERVE_BYTES
  // (16 KiB) free, so on those rings every packet is refused, forever.
  const refused: number[] = [];
  for (const capacity of [4096, 8192, 16384, 32768, 65536]) {
    const producer = new RingProducer(createRingBuffer(capacity));
    if (!producer.pushPacket(0, 0, new Uint8Array(MAX_PACKET_BYTES))) refused.push(capacity);
  }
  assert.equal(refused, [], `empty rings of these accepted capacities refuse every packet: ${refused.join(', ')}`);
});

test('records come out in order, with type, slot, arrival and payload bytes intact', () => {
  const sab = createRingBuffer(65536);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  assert.ok(consumer.isEmpty());
  const open = new TextEncoder().encode('{"path":"/tmp/x.wav","telephoneEventPt":101}');
  assert.ok(producer.pushControl(RecordType.OPEN, 7, open));
  assert.ok(producer.pushPacket(7, 160, Uint8Array.from([0x80, 0x00, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xff])));
  // A packet that is a view into a larger buffer: only the view is copied.
  const big = Uint8Array.from({ length: 64 }, (_, i) => i);
  assert.ok(producer.pushPacket(3, 0xfffffffe, big.subarray(5, 10)));
  assert.ok(producer.pushPacket(7, 320, new Uint8Array(0)));
  assert.ok(producer.pushControl(RecordType.CLOSE, 7, null, 48000));
  assert.ok(producer.pushControl(RecordType.STOP, 0, null));
  assert.not.ok(consumer.isEmpty());
  assert.equal(drainAll(consumer), [
    { type: RecordType.OPEN, slot: 7, arrival: 0, bytes: [...open] },
    { type: RecordType.PACKET, slot: 7, arrival: 160, bytes: [0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0xff] },
    { type: RecordType.PACKET, slot: 3, arrival: 0xfffffffe, bytes: [5, 6, 7, 8, 9] },
    { type: RecordType.PACKET, slot: 7, arrival: 320, bytes: [] },
    { type: RecordType.CLOSE, slot: 7, arrival: 48000, bytes: [] },
    { type: RecordType.STOP, slot: 0, arrival: 0, bytes: [] },
  ]);
  assert.ok(consumer.isEmpty());
  assert.is(producer.used(), 0);
  assert.equal(drainAll(consumer), []);
});

test('the record header is the documented word layout', () => {
  const sab = createRingBuffer(4096);
  const producer = new RingProducer(sab);
  producer.pushControl(RecordType.OPEN, 0x01020304, Uint8Array.from([9, 8, 7, 6, 5]), 0x0a0b0c0d);
  const u32 = new Uint32Array(sab, RING_DATA_OFFSET);
  assert.is(u32[0], (RecordType.OPEN << 24) | 5);
  assert.is(u32[1], 0x01020304);
  assert.is(u32[2], 0x0a0b0c0d);
  assert.equal([...new Uint8Array(sab, RING_DATA_OFFSET + 12, 5)], [9, 8, 7, 6, 5]);
  assert.is(new Int32Array(sab)[RING_WORD_WRITE], 20);
});

test('drain: maxRecords bounds a batch; a visitor returning false ends it after that record', () => {
  const sab = createRingBuffer(65536);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  for (let i = 0; i < 10; i++) producer.pushPacket(i, i, Uint8Array.of(i));
  assert.is(consumer.drain(() => true, 3), 3);
  const seen: number[] = [];
  assert.is(consumer.drain((_t, slot) => (seen.push(slot), slot !== 5), 100), 3);
  assert.equal(seen, [3, 4, 5]);
  // READ was published for what was visited: the producer sees the space.
  assert.is(producer.used(), 4 * recordBytes(1));
  assert.is(new Int32Array(sab)[RING_WORD_READ], 6 * recordBytes(1));
  assert.equal(drainAll(consumer).map((r) => r.slot), [6, 7, 8, 9]);
});

test('PAD: a record that does not fit before the end goes to 0, the consumer skips the PAD', () => {
  const capacity = 4096;
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  // Controls (no reserve) to fill to 4084: 12 bytes left at the end.
  const chunk = new Uint8Array(1000 - 12);
  for (let i = 0; i < 4; i++) assert.ok(producer.pushControl(RecordType.OPEN, i, chunk));
  assert.ok(producer.pushControl(RecordType.OPEN, 4, new Uint8Array(84 - 12 - 4 * 0)));
  assert.is(producer.used(), 4084);
  drainAll(consumer);
  // 16 bytes do not fit in the 12 left: PAD at 4084, the record at 0.
  assert.ok(producer.pushControl(RecordType.CLOSE, 99, Uint8Array.of(1, 2, 3, 4)));
  const u32 = new Uint32Array(sab, RING_DATA_OFFSET);
  assert.is(u32[4084 / 4] >>> 24, RecordType.PAD);
  assert.is(u32[0], (RecordType.CLOSE << 24) | 4);
  assert.is(producer.used(), 12 + 16);
  assert.equal(drainAll(consumer), [{ type: RecordType.CLOSE, slot: 99, arrival: 0, bytes: [1, 2, 3, 4] }]);
  // A record of exactly the space left goes there, with no PAD.
  assert.ok(producer.pushControl(RecordType.OPEN, 5, new Uint8Array(capacity - 16 - 12 - 12)));
  assert.ok(producer.pushControl(RecordType.CLOSE, 6, null));
  assert.is(new Int32Array(sab)[RING_WORD_WRITE], 2 * capacity);
  assert.equal(drainAll(consumer).map((r) => r.slot), [5, 6]);
});

test('a full ring refuses packets and controls, changes no byte, and everything queued comes out intact', () => {
  const capacity = 65536;
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const pushed: number[][] = [];
  for (let i = 0; ; i++) {
    const p = Uint8Array.from({ length: 160 + (i % 7) }, (_, j) => (i * 31 + j) & 0xff);
    if (!producer.pushPacket(i, i * 160, p)) break;
    pushed.push([...p]);
  }
  for (let i = 0; ; i++) if (!producer.pushControl(RecordType.CLOSE, 100000 + i, null)) break;
  const snapshot = new Uint8Array(sab).slice();
  const used = producer.used();
  assert.ok(capacity - used < 12, `full ring still has ${capacity - used} bytes`);
  for (const size of [0, 1, 160, 2048]) {
    assert.not.ok(producer.pushPacket(1, 1, new Uint8Array(size).fill(0xee)));
    assert.not.ok(producer.pushControl(RecordType.OPEN, 1, new Uint8Array(size).fill(0xee)));
  }
  assert.not.ok(producer.pushControl(RecordType.STOP, 0, null));
  assert.equal(new Uint8Array(sab), snapshot, 'a refused push wrote to the ring');
  assert.is(producer.used(), used);
  const out = drainAll(consumer);
  const packets = out.filter((r) => r.type === RecordType.PACKET);
  assert.is(packets.length, pushed.length);
  packets.forEach((r, i) => {
    assert.is(r.slot, i);
    assert.is(r.arrival, i * 160);
    assert.equal(r.bytes, pushed[i], `packet ${i}`);
  });
  assert.ok(out.slice(packets.length).every((r, i) => r.type === RecordType.CLOSE && r.slot === 100000 + i));
  assert.ok(producer.pushPacket(0, 0, new Uint8Array(160)), 'space freed by the consumer is usable again');
});

test('control reserve: packets stop CONTROL_RESERVE_BYTES short of full; controls still fit after that', () => {
  const capacity = 65536;
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  assert.is(CONTROL_RESERVE_BYTES, 16384);
  // 48 packets of 1012 bytes (1024 per record) = 49152 = capacity - reserve.
  const body = new Uint8Array(1012).fill(0xab);
  for (let i = 0; i < 47; i++) assert.ok(producer.pushPacket(0, i, body));
  assert.is(producer.used(), 47 * 1024);
  assert.ok(producer.pushPacket(0, 47, body), 'the packet that leaves exactly the reserve is accepted');
  assert.is(producer.used(), capacity - CONTROL_RESERVE_BYTES);
  assert.not.ok(producer.pushPacket(0, 48, new Uint8Array(0)), 'a packet that would eat into the reserve is refused');
  // Controls use the reserve: OPEN with a payload, then 12-byte CLOSEs to the end.
  assert.ok(producer.pushControl(RecordType.OPEN, 1, new TextEncoder().encode('{"path":"x","telephoneEventPt":-1}')));
  let closes = 0;
  while (producer.pushControl(RecordType.CLOSE, 2, null)) closes++;
  assert.is(closes, Math.floor((CONTROL_RESERVE_BYTES - recordBytes(34)) / 12));
  assert.not.ok(producer.pushPacket(0, 49, new Uint8Array(0)));
  const out = drainAll(consumer);
  assert.is(out.length, 48 + 1 + closes);
  assert.ok(out.slice(0, 48).every((r, i) => r.type === RecordType.PACKET && r.arrival === i && r.bytes.length === 1012 && r.bytes.every((b) => b === 0xab)));
  assert.is(out[48].type, RecordType.OPEN);
});

test('controlReserveBytes: 16 KiB, or a quarter of a ring smaller than 64 KiB', () => {
  assert.equal([4096, 8192, 16384, 32768, 65536, 1 << 20, 8 << 20].map(controlReserveBytes), [1024, 2048, 4096, 8192, 16384, 16384, 16384]);
});

test('a small ring (8 KiB) keeps its quarter for control records, exactly', () => {
  const capacity = 8192;
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const reserve = controlReserveBytes(capacity);
  // Records of 512 bytes: 12 of them leave exactly the reserve.
  const body = new Uint8Array(500);
  let packets = 0;
  while (producer.pushPacket(0, packets, body)) packets++;
  assert.is(packets, (capacity - reserve) / 512);
  assert.is(producer.used(), capacity - reserve);
  let closes = 0;
  while (producer.pushControl(RecordType.CLOSE, 1, null)) closes++;
  assert.is(closes, Math.floor(reserve / 12));
  assert.is(drainAll(consumer).length, packets + closes);
});

test('control reserve counts a PAD skip: a packet needing the skip is refused if skip + size eats the reserve', () => {
  const capacity = 65536;
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  // Move WRITE to 60000 and drain it, so the ring is empty with 5536 bytes before the end.
  for (let i = 0; i < 60; i++) producer.pushControl(RecordType.OPEN, 0, new Uint8Array(988));
  drainAll(consumer);
  assert.is(producer.used(), 0);
  // Fill 0..? : 5536 bytes at the end, then from 0. Packet records of 2060 bytes.
  const p = new Uint8Array(2048);
  assert.ok(producer.pushPacket(0, 0, p)); // 60000 → 62060
  assert.ok(producer.pushPacket(0, 0, p)); // → 64120, 1416 left at the end
  // Next one needs a 1416-byte skip: used 4120 + 1416 + 2060 = 7596 ≤ 65536 - 16384: fine.
  assert.ok(producer.pushPacket(0, 0, p));
  assert.is(producer.used(), 4120 + 1416 + 2060);
  assert.equal(drainAll(consumer).map((r) => r.bytes.length), [2048, 2048, 2048]);
});

test('high-water mark: the most bytes ever queued (PAD skips included), in the API and the shared word', () => {
  const sab = createRingBuffer(4096);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const hw = () => new Int32Array(sab)[RING_WORD_HIGH_WATER];
  assert.is(producer.highWater(), 0);
  producer.pushControl(RecordType.OPEN, 0, new Uint8Array(1000));
  producer.pushControl(RecordType.OPEN, 0, new Uint8Array(1000));
  assert.is(producer.highWater(), 2024);
  assert.is(hw(), 2024);
  drainAll(consumer);
  producer.pushControl(RecordType.OPEN, 0, new Uint8Array(100));
  assert.is(producer.highWater(), 2024, 'does not go down when the ring empties');
  // WRITE at 2136; a 2060-byte record does not fit in the 1960 left: 1960 skip + 2060.
  drainAll(consumer);
  producer.pushControl(RecordType.OPEN, 0, new Uint8Array(2048));
  assert.is(producer.used(), 1960 + 2060);
  assert.is(producer.highWater(), 1960 + 2060);
  assert.is(hw(), 1960 + 2060);
});

test('32-bit WRITE/READ counters wrap: a ring resumed near 2^32 keeps working across it', () => {
  const capacity = 65536;
  const sab = createRingBuffer(capacity);
  const ctrl = new Int32Array(sab);
  const start = 0xffff0000 + 1000;
  ctrl[RING_WORD_WRITE] = start | 0;
  ctrl[RING_WORD_READ] = start | 0;
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < 40; k++) {
      const p = new Uint8Array(100 + (next % 300)).fill(next & 0xff);
      if (!producer.pushPacket(next, next, p)) break;
      next++;
    }
    consumer.drain((_t, slot, arrival, data, offset, length) => {
      assert.is(slot, expect);
      assert.is(arrival, expect);
      assert.is(length, 100 + (expect % 300));
      for (let i = 0; i < length; i++) if (data[offset + i] !== (expect & 0xff)) assert.unreachable(`record ${expect} byte ${i}`);
      expect++;
      return true;
    }, 1000);
  }
  assert.is(expect, next);
  const write = ctrl[RING_WORD_WRITE] >>> 0;
  assert.ok(write < start, `WRITE should have wrapped past 2^32 (is ${write})`);
  assert.is(ctrl[RING_WORD_READ] >>> 0, write);
  assertCanaries(sab, 'after the wrap');
});

interface SimResult {
  pushed: number;
  refused: number;
  drained: number;
  checksum: number;
  highWater: number;
  timesRound: number;
}

/**
 * Producer pushes seeded records in seeded bursts until one is refused (then
 * retries the same one after a drain); the consumer drains seeded batch sizes.
 * Every record is checked against a model queue, and used()/highWater()
 * against a model of WRITE and READ in which a PAD skip belongs to the record
 * after it (the consumer passes a PAD only on its way to that record).
 */
function simulate(seed: number, capacity: number, records: number): SimResult {
  const sab = createRingBuffer(capacity);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const seq = createSequence(seed);
  const batches = createSequence(seed ^ 0x9e3779b9);
  const scratch = new Uint8Array(MAX_PAYLOAD);
  const queue: { rec: SeqRecord; bytes: Uint8Array; span: number }[] = [];
  let head = 0;
  let modelWrite = 0;
  let modelRead = 0;
  let modelHighWater = 0;
  let pending: { rec: SeqRecord; bytes: Uint8Array } | null = null;
  let pushed = 0;
  let refused = 0;
  let drained = 0;
  let checksum = FNV_OFFSET;
  const visit = (type: number, slot: number, arrival: number, data: Uint8Array, offset: number, length: number): boolean => {
    const want = queue[head++];
    const where = `seed ${seed}, record ${drained}`;
    if (type !== want.rec.type || slot !== want.rec.slot || arrival !== want.rec.arrival || length !== want.rec.length) {
      assert.unreachable(`${where}: got ${JSON.stringify({ type, slot, arrival, length })}, want ${JSON.stringify(want.rec)}`);
    }
    for (let i = 0; i < length; i++) if (data[offset + i] !== want.bytes[i]) assert.unreachable(`${where}: byte ${i}`);
    checksum = fold(checksum, want.rec, data, offset);
    modelRead += want.span;
    drained++;
    return true;
  };
  while (drained < records) {
    const burst = batches.next(scratch).slot % 64;
    for (let b = 0; b < burst && pushed < records; b++) {
      if (pending === null) {
        const rec = seq.next(scratch);
        pending = { rec, bytes: scratch.slice(0, rec.length) };
      }
      const { rec, bytes } = pending;
      const ok = rec.type === T_PACKET ? producer.pushPacket(rec.slot, rec.arrival, bytes) : producer.pushControl(rec.type as RecordType, rec.slot, bytes);
      const size = recordBytes(rec.length);
      const tail = capacity - (modelWrite % capacity);
      const span = (tail < size ? tail : 0) + size;
      const free = capacity - (modelWrite - modelRead);
      const reserve = rec.type === T_PACKET ? controlReserveBytes(capacity) : 0;
      // The model decides too: accepted exactly when span + reserve fits.
      assert.is(ok, free >= span + reserve, `seed ${seed}: push ${pushed} (size ${size}, span ${span}, free ${free})`);
      if (!ok) {
        refused++;
        assert.is(producer.used(), modelWrite - modelRead, 'a refused push changed used()');
        break;
      }
      modelWrite += span;
      modelHighWater = Math.max(modelHighWater, modelWrite - modelRead);
      queue.push({ ...pending, span });
      pending = null;
      pushed++;
      assert.is(producer.used(), modelWrite - modelRead);
    }
    consumer.drain(visit, 1 + (batches.next(scratch).slot % 48));
    assert.is(producer.used(), modelWrite - modelRead, `seed ${seed}: used() after a drain`);
    assert.is(producer.highWater(), modelHighWater);
    assertCanaries(sab, `seed ${seed}`);
    if (head > 4096) {
      queue.splice(0, head);
      head = 0;
    }
  }
  assert.is(pushed, records);
  assert.ok(consumer.isEmpty());
  assert.is(producer.used(), 0);
  assert.is(new Int32Array(sab)[RING_WORD_HIGH_WATER], producer.highWater());
  return { pushed, refused, drained, checksum, highWater: producer.highWater(), timesRound: Math.floor(modelWrite / capacity) };
}

test('seeded random sizes, many times round the ring: every record in order and intact', () => {
  const r = simulate(0xc0ffee, 65536, 60_000);
  assert.is(r.drained, 60_000);
  assert.ok(r.timesRound >= 100, `only ${r.timesRound} times round`);
  assert.ok(r.refused > 100, `the ring was full only ${r.refused} times`);
  assert.ok(r.highWater > 65536 - CONTROL_RESERVE_BYTES - 2060, `high water ${r.highWater}: packets never filled the ring up to the reserve`);
});

test('same seed ⇒ same run; another seed ⇒ another run', () => {
  const a = simulate(1234, 16384 * 2, 5_000);
  const b = simulate(1234, 16384 * 2, 5_000);
  const c = simulate(1235, 16384 * 2, 5_000);
  assert.equal(a, b);
  assert.is.not(a.checksum, c.checksum);
});

test.run();
