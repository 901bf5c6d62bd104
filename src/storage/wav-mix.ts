/**
 * The files made from the legs at hangup, in one streaming pass: the mixed
 * WAV (SPEC §4: the average of the input legs on the shared timeline, as long
 * as the longest) and, when asked, the stereo WAV (left = first input,
 * right = second). Streams in chunks so memory stays bounded whatever the
 * call's length. Runs on a worker thread (sync fs is fine there).
 * Input lengths come from the file sizes, not the headers, so a file whose
 * header a crash left stale mixes correctly too.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { interleaveStereo, mixAverage } from '../audio/index.js';
import { WAV_HEADER_BYTES, createWavHeader } from './wav-header.js';

const CHUNK_SAMPLES = 1 << 16;

/**
 * Chunk buffers kept from one render to the next (a thread renders one call
 * at a time, synchronously): a render allocates no sample buffers, so the
 * mix thread's memory stays at one render's worth however many calls it has
 * mixed. New
 * buffers per call were freed only when V8 next collected the thread's tiny
 * heap, and meanwhile glibc's arena grew: RSS rose under churn. Inputs past
 * their length are never read (mixAverage and interleaveStereo take lengths),
 * so what an earlier call left in a buffer does not matter.
 */
const reusable: Int16Array[] = [];
const MIXED_CHUNK = 0;
const STEREO_CHUNK = 1;
const FIRST_INPUT_CHUNK = 2;

function chunkBuffer(index: number, samples: number): Int16Array {
  let buffer = reusable[index];
  if (buffer === undefined || buffer.length < samples) reusable[index] = buffer = new Int16Array(samples);
  return buffer;
}

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

export interface RenderRequest {
  inputs: readonly string[];
  /** Where the averaged mono mix goes, or null for none. */
  mixedPath: string | null;
  /** Where the stereo file goes (needs exactly two inputs), or null for none. */
  stereoPath: string | null;
}

export function renderLegFiles(req: RenderRequest): MixResult {
  if (req.stereoPath !== null && req.inputs.length !== 2) throw new TypeError('a stereo file needs exactly two legs');
  const fds: number[] = [];
  const outputs: string[] = [];
  let mixedFd = -1;
  let stereoFd = -1;
  let done = false;
  try {
    for (const input of req.inputs) fds.push(openSync(input, 'r'));
    const lengths = fds.map((fd) => Math.max(0, Math.floor((fstatSync(fd).size - WAV_HEADER_BYTES) / 2)));
    const total = Math.max(0, ...lengths);
    const buffers = fds.map((_, i) => chunkBuffer(FIRST_INPUT_CHUNK + i, CHUNK_SAMPLES));
    const chunkLengths = fds.map(() => 0);
    if (req.mixedPath !== null) {
      outputs.push(req.mixedPath);
      mixedFd = openSync(req.mixedPath, 'w');
      writeFully(mixedFd, createWavHeader(total * 2), WAV_HEADER_BYTES, 0);
    }
    if (req.stereoPath !== null) {
      outputs.push(req.stereoPath);
      stereoFd = openSync(req.stereoPath, 'w');
      writeFully(stereoFd, createWavHeader(total * 4, 2), WAV_HEADER_BYTES, 0);
    }
    for (let start = 0; start < total; start += CHUNK_SAMPLES) {
      const count = Math.min(CHUNK_SAMPLES, total - start);
      for (let i = 0; i < fds.length; i++) {
        const want = Math.max(0, Math.min(count, lengths[i] - start));
        const bytes = new Uint8Array(buffers[i].buffer);
        chunkLengths[i] = readFully(fds[i], bytes, want * 2, WAV_HEADER_BYTES + start * 2) >> 1;
      }
      if (mixedFd >= 0) {
        const mixed = chunkBuffer(MIXED_CHUNK, CHUNK_SAMPLES);
        mixAverage(buffers, chunkLengths, mixed, count);
        writeFully(mixedFd, new Uint8Array(mixed.buffer), count * 2, WAV_HEADER_BYTES + start * 2);
      }
      if (stereoFd >= 0) {
        const stereo = chunkBuffer(STEREO_CHUNK, CHUNK_SAMPLES * 2);
        interleaveStereo(buffers[0], chunkLengths[0], buffers[1], chunkLengths[1], stereo, count);
        writeFully(stereoFd, new Uint8Array(stereo.buffer), count * 4, WAV_HEADER_BYTES + start * 4);
      }
    }
    if (mixedFd >= 0) fsyncSync(mixedFd);
    if (stereoFd >= 0) fsyncSync(stereoFd);
    done = true;
    return { samples: total, dataBytes: total * 2 };
  } finally {
    for (const fd of fds) closeSync(fd);
    if (mixedFd >= 0) closeSync(mixedFd);
    if (stereoFd >= 0) closeSync(stereoFd);
    // A half-written output (e.g. ENOSPC) is worse than none: the metadata says it failed.
    if (!done) for (const output of outputs) rmSync(output, { force: true });
  }
}

/** The mixed file alone. */
export function mixWavFiles(inputPaths: readonly string[], outputPath: string): MixResult {
  return renderLegFiles({ inputs: inputPaths, mixedPath: outputPath, stereoPath: null });
}
