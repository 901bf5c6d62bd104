/**
 * The mixed WAV (SPEC §4): the average of the input legs on the shared
 * timeline, as long as the longest. Streams in chunks so memory stays bounded
 * whatever the call's length. Runs on a worker thread (sync fs is fine there).
 * Input lengths come from the file sizes, not the headers, so a file whose
 * header a crash left stale mixes correctly too.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { mixAverage } from '../audio/index.js';
import { WAV_HEADER_BYTES, createWavHeader } from './wav-header.js';

const CHUNK_SAMPLES = 1 << 16;

export interface MixResult {
  samples: number;
  dataBytes: number;
}

function readFully(fd: number, into: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function writeFully(fd: number, bytes: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, bytes, done, length - done, position + done);
}

export function mixWavFiles(inputPaths: readonly string[], outputPath: string): MixResult {
  const fds = inputPaths.map((p) => openSync(p, 'r'));
  let out = -1;
  try {
    const lengths = fds.map((fd) => Math.max(0, Math.floor((fstatSync(fd).size - WAV_HEADER_BYTES) / 2)));
    const total = Math.max(0, ...lengths);
    const buffers = fds.map(() => new Int16Array(CHUNK_SAMPLES));
    const mixed = new Int16Array(CHUNK_SAMPLES);
    const chunkLengths = fds.map(() => 0);
    out = openSync(outputPath, 'w');
    writeFully(out, createWavHeader(total * 2), WAV_HEADER_BYTES, 0);
    for (let start = 0; start < total; start += CHUNK_SAMPLES) {
      const count = Math.min(CHUNK_SAMPLES, total - start);
      for (let i = 0; i < fds.length; i++) {
        const want = Math.max(0, Math.min(count, lengths[i] - start));
        const bytes = new Uint8Array(buffers[i].buffer);
        chunkLengths[i] = readFully(fds[i], bytes, want * 2, WAV_HEADER_BYTES + start * 2) >> 1;
      }
      mixAverage(buffers, chunkLengths, mixed, count);
      writeFully(out, new Uint8Array(mixed.buffer), count * 2, WAV_HEADER_BYTES + start * 2);
    }
    fsyncSync(out);
    return { samples: total, dataBytes: total * 2 };
  } finally {
    for (const fd of fds) closeSync(fd);
    if (out >= 0) closeSync(out);
  }
}
