/**
 * What a drain loop tells the main thread, over the MessagePort it was given.
 * Codes, not error classes: class identity does not survive postMessage.
 */
import type { LegCloseReport } from './leg-recorder.js';

export type DrainMessage =
  | { code: 'LEG_CLOSED'; slot: number; report: LegCloseReport }
  | { code: 'LEG_OPEN_FAILED'; slot: number; error: string; message: string }
  | { code: 'LEG_WRITE_ERROR'; slot: number; error: string };

export interface DrainTask {
  ring: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  port: import('node:worker_threads').MessagePort;
  /** Test hook: extra milliseconds spent per packet, to make a slow consumer. */
  slowPacketMs?: number;
}

export type DrainResult = { ok: true; packets: number } | { ok: false; code: string; message: string };
