/**
 * Setting a closed WAV's length (async: runs on the main thread at hangup, to
 * pad every leg of a call to the same sample, and at start-up, to repair a
 * crashed file's header from its size).
 */
import { open } from 'node:fs/promises';
import { WAV_HEADER_BYTES, createWavHeader } from './wav-header.js';

/** fsync a closed file (async: on the libuv pool, never on a drain loop). */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Make the file hold exactly `dataBytes` of data (growing with silence or cutting), header restated, synced. */
export async function resizeWav(file: string, dataBytes: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(WAV_HEADER_BYTES + dataBytes);
    await handle.write(createWavHeader(dataBytes), 0, WAV_HEADER_BYTES, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
