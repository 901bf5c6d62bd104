/**
 * A worker's drain loop: the single consumer of one packet ring. Runs until a
 * STOP record. Per iteration: visit every queued record in order (so a leg's
 * OPEN, packets and CLOSE are seen in the order the main thread queued them),
 * give each leg its periodic tick, and sleep briefly when the ring is empty.
 * Blocking (Atomics.wait, sync fs) is fine here: this thread does nothing else.
 */
import { RecordType, RingConsumer, legCounterView } from '../ring/index.js';
import { LegRecorder } from './leg-recorder.js';
import type { LegOpenRequest } from './leg-recorder.js';
import type { DrainMessage, DrainResult, DrainTask } from './messages.js';

const BATCH_RECORDS = 4096;
const TICK_INTERVAL_MS = 100;
const IDLE_WAIT_MS = 5;
/** Only for the slow-consumer test hook. */
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

export function runDrainLoop(task: DrainTask): DrainResult {
  const consumer = new RingConsumer(task.ring);
  // Indexed by slot (a port's index in the range): no hashing per packet.
  const legs: (LegRecorder | undefined)[] = [];
  const open = new Set<number>();
  const decoder = new TextDecoder();
  const post = (message: DrainMessage) => task.port.postMessage(message);
  const slowMs = task.slowPacketMs ?? 0;
  let stopped = false;
  let packets = 0;
  let lastTickMs = Date.now();

  const openLeg = (slot: number, data: Uint8Array, offset: number, length: number) => {
    legs[slot]?.close(0);
    legs[slot] = undefined;
    open.delete(slot);
    try {
      // slice(): TextDecoder does not read shared memory.
      const request = JSON.parse(decoder.decode(data.slice(offset, offset + length))) as LegOpenRequest;
      const onError = (error: string) => post({ code: 'LEG_WRITE_ERROR', slot, error });
      legs[slot] = new LegRecorder(slot, request, legCounterView(task.counters, slot), onError, Date.now());
      open.add(slot);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      post({ code: 'LEG_OPEN_FAILED', slot, error: e.code ?? 'EOPEN', message: e.message });
    }
  };

  const closeLeg = (slot: number, endSamples: number) => {
    const leg = legs[slot];
    legs[slot] = undefined;
    open.delete(slot);
    const report = leg ? leg.close(endSamples) : { samples: 0, hasAudio: false, dataBytes: 0, error: 'ENOTOPEN', writeErrors: 0 };
    post({ code: 'LEG_CLOSED', slot, report });
  };

  const visit = (type: RecordType, slot: number, arrival: number, data: Uint8Array, offset: number, length: number): boolean => {
    switch (type) {
      case RecordType.PACKET: {
        const leg = legs[slot];
        if (leg !== undefined) {
          leg.onPacket(arrival, data, offset, length);
          packets++;
          if (slowMs > 0) Atomics.wait(sleepWord, 0, 0, slowMs);
        }
        return true;
      }
      case RecordType.OPEN:
        openLeg(slot, data, offset, length);
        return true;
      case RecordType.CLOSE:
        closeLeg(slot, arrival);
        return true;
      case RecordType.SHIFT:
        legs[slot]?.shift(arrival);
        return true;
      case RecordType.STOP:
        stopped = true;
        return false;
      default:
        return true;
    }
  };

  while (!stopped) {
    const visited = consumer.drain(visit, BATCH_RECORDS);
    const now = Date.now();
    if (now - lastTickMs >= TICK_INTERVAL_MS) {
      lastTickMs = now;
      for (const slot of open) legs[slot]?.tick(now);
    }
    if (visited === 0 && !stopped) consumer.waitForWork(IDLE_WAIT_MS);
  }
  for (const slot of [...open]) closeLeg(slot, 0);
  return { ok: true, packets };
}
