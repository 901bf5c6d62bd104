/**
 * Grow a finished WAV with trailing silence and restate its header (async:
 * runs on the main thread at hangup, so that every leg of a call ends at the
 * same sample).
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

export async function extendWav(file: string, dataBytes: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(WAV_HEADER_BYTES + dataBytes);
    await handle.write(createWavHeader(dataBytes), 0, WAV_HEADER_BYTES, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
