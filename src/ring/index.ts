export {
  RecordType,
  MAX_PACKET_BYTES,
  CONTROL_RESERVE_BYTES,
  controlReserveBytes,
  RING_DATA_OFFSET,
  RING_WORD_HIGH_WATER,
  createRingBuffer,
  ringCapacity,
} from './layout.js';
export { RingProducer } from './producer.js';
export { RingConsumer } from './consumer.js';
export type { RecordVisitor } from './consumer.js';
export { LegCounter, LEG_COUNTER_WORDS, createLegCounters, legCounterView } from './leg-counters.js';
