/**
 * The only importer of piscina. Owns the worker threads and the shared memory
 * handed to them once:
 *
 *   - `workers` long-running `drain` tasks, one per packet ring; each is the
 *     single consumer of its ring for the life of the process. Leg slot s
 *     always maps to ring s % workers, so a leg's packets are processed in
 *     order by one thread and no two threads ever write one file.
 *   - one more thread for `mix` tasks (finalize), so mixing never waits for
 *     a drain loop to end.
 *
 * Talking to a drain loop: control records (OPEN/CLOSE/STOP) go through its
 * ring in order with the packets; its answers (LEG_CLOSED, errors) come back
 * on a MessagePort. A control record that meets a full ring is retried on a
 * timer; the main thread never waits on a worker.
 */
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { callrecError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DrainMessage, DrainResult, LegCloseReport, LegOpenRequest } from '../record/index.js';
import { RecordType, RingProducer, createLegCounters, createRingBuffer, legCounterView } from '../ring/index.js';
import type { MixResult, RenderRequest } from '../storage/wav-mix.js';

const CONTROL_RETRY_MS = 5;

export interface RecorderPoolOptions {
  workers: number;
  /** Leg slots: one per RTP port pair index. */
  slots: number;
  ringBytes: number;
  log: Logger;
  /** Compiled worker entry; defaults to dist/workers/recorder.js beside this file. */
  workerFile?: string;
  /** Test hook, passed to drain loops. */
  slowPacketMs?: number;
  /** Called once per leg for its first write error (e.g. ENOSPC). */
  onWriteError?: (slot: number, code: string) => void;
}

interface DrainLane {
  sab: SharedArrayBuffer;
  producer: RingProducer;
  port: MessagePort;
  done: Promise<void>;
}

export interface RingStats {
  capacity: number;
  used: number;
  highWater: number;
}

export class RecorderPool {
  readonly counters: SharedArrayBuffer;
  readonly #piscina: Piscina;
  readonly #lanes: DrainLane[] = [];
  readonly #closing = new Map<number, (report: LegCloseReport) => void>();
  readonly #opts: RecorderPoolOptions;
  readonly #log: Logger;
  #stopping = false;

  constructor(opts: RecorderPoolOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ mod: 'pool' });
    this.counters = createLegCounters(opts.slots);
    const filename = opts.workerFile ?? new URL('../../workers/recorder.js', import.meta.url).href;
    this.#piscina = new Piscina({
      filename,
      minThreads: opts.workers + 1,
      maxThreads: opts.workers + 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
    for (let i = 0; i < opts.workers; i++) this.#lanes.push(this.#startLane(createRingBuffer(opts.ringBytes)));
  }

  get workers(): number {
    return this.#lanes.length;
  }

  /** The ring a slot's packets go to (the same one, always). */
  producerFor(slot: number): RingProducer {
    return this.#lanes[slot % this.#lanes.length].producer;
  }

  counterView(slot: number): Uint32Array {
    return legCounterView(this.counters, slot);
  }

  /** Queue OPEN for a slot: the worker creates the file and starts placing packets. */
  openLeg(slot: number, request: LegOpenRequest): Promise<void> {
    const payload = new TextEncoder().encode(JSON.stringify(request));
    return this.#pushControl(slot, RecordType.OPEN, payload);
  }

  /**
   * Queue CLOSE behind every packet already queued for the slot; resolves
   * when the worker has written them all, fixed the header and closed the file.
   */
  async closeLeg(slot: number, endSamples: number): Promise<LegCloseReport> {
    const closed = new Promise<LegCloseReport>((resolve) => this.#closing.set(slot, resolve));
    await this.#pushControl(slot, RecordType.CLOSE, null, endSamples);
    return closed;
  }

  /** Queue SHIFT for a slot, in order with its packets (pause with behavior "skip"). */
  shiftLeg(slot: number, samples: number): Promise<void> {
    return this.#pushControl(slot, RecordType.SHIFT, null, samples);
  }

  /** Write the mixed file of `inputs` to `output` in a worker. */
  mix(inputs: string[], output: string): Promise<MixResult> {
    return this.render({ inputs, mixedPath: output, stereoPath: null });
  }

  /** Write the mixed and/or stereo files of the legs in a worker, in one pass. */
  async render(request: RenderRequest): Promise<MixResult> {
    const result = (await this.#piscina.run(request, { name: 'mix' })) as
      | ({ ok: true } & MixResult)
      | { ok: false; code: string; message: string };
    if (!result.ok) throw callrecError('CALLREC_ERR_WORKER', `mix failed: ${result.code}: ${result.message}`);
    return { samples: result.samples, dataBytes: result.dataBytes };
  }

  ringStats(): RingStats[] {
    return this.#lanes.map((lane) => ({ capacity: lane.producer.capacity, used: lane.producer.used(), highWater: lane.producer.highWater() }));
  }

  /** Threads alive and tasks queued, for /healthz. */
  state(): { threads: number; drainLoops: number; queued: number } {
    return { threads: this.#piscina.threads.length, drainLoops: this.#lanes.length, queued: this.#piscina.queueSize };
  }

  /** Stop every drain loop after what is queued, then end the threads. */
  async close(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#lanes.map((lane) => this.#pushControlTo(lane, RecordType.STOP, null)));
    await Promise.all(this.#lanes.map((lane) => lane.done));
    for (const lane of this.#lanes) lane.port.close();
    await this.#piscina.close();
  }

  /** Start a drain loop on a ring; a restarted loop keeps the ring's producer (one writer, always). */
  #startLane(sab: SharedArrayBuffer, producer = new RingProducer(sab)): DrainLane {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: DrainMessage) => this.#onDrainMessage(message));
    port1.unref();
    const lane: DrainLane = { sab, producer, port: port1, done: Promise.resolve() };
    const task = { ring: sab, counters: this.counters, port: port2, slowPacketMs: this.#opts.slowPacketMs };
    lane.done = (this.#piscina.run(task, { name: 'drain', transferList: [port2] }) as Promise<DrainResult>).then(
      (result) => {
        if (!result.ok) this.#laneFailed(lane, `${result.code}: ${result.message}`);
      },
      (err: Error) => this.#laneFailed(lane, err.message),
    );
    return lane;
  }

  /** A drain loop died: its open legs' files keep their last header; start a new loop on the same ring. */
  #laneFailed(lane: DrainLane, reason: string): void {
    this.#log.error({ reason }, 'drain loop failed');
    const index = this.#lanes.indexOf(lane);
    for (const [slot, resolve] of this.#closing) {
      if (slot % this.#lanes.length === index) {
        this.#closing.delete(slot);
        resolve({ samples: 0, hasAudio: false, dataBytes: 0, error: 'EWORKER', writeErrors: 0 });
      }
    }
    if (!this.#stopping && index >= 0) {
      lane.port.close();
      this.#lanes[index] = this.#startLane(lane.sab, lane.producer);
    }
  }

  #onDrainMessage(message: DrainMessage): void {
    switch (message.code) {
      case 'LEG_CLOSED': {
        const resolve = this.#closing.get(message.slot);
        this.#closing.delete(message.slot);
        resolve?.(message.report);
        break;
      }
      case 'LEG_OPEN_FAILED':
        this.#log.error({ slot: message.slot, error: message.error }, `could not open leg file: ${message.message}`);
        this.#opts.onWriteError?.(message.slot, message.error);
        break;
      case 'LEG_WRITE_ERROR':
        this.#opts.onWriteError?.(message.slot, message.error);
        break;
    }
  }

  #pushControl(slot: number, type: RecordType, payload: Uint8Array | null, value = 0): Promise<void> {
    return this.#pushControlTo(this.#lanes[slot % this.#lanes.length], type, payload, slot, value);
  }

  #pushControlTo(lane: DrainLane, type: RecordType, payload: Uint8Array | null, slot = 0, value = 0): Promise<void> {
    if (lane.producer.pushControl(type, slot, payload, value)) return Promise.resolve();
    return new Promise((resolve) => {
      const retry = () => {
        if (lane.producer.pushControl(type, slot, payload, value)) resolve();
        else setTimeout(retry, CONTROL_RETRY_MS);
      };
      setTimeout(retry, CONTROL_RETRY_MS);
    });
  }
}
