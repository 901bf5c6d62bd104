/**
 * A leg's WAV file as the worker writes it: positional writes only, the
 * header kept valid while recording, and write errors (ENOSPC, EIO) turned
 * into a state rather than a throw, reported once. Synchronous on purpose:
 * it runs on a worker thread whose only job is this.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { WAV_HEADER_BYTES, writeWavHeader } from '../storage/wav-header.js';

export class LegFile {
  readonly path: string;
  /** First write error's code, e.g. "ENOSPC"; null while all is well. */
  error: string | null = null;
  writeErrors = 0;
  /** Data bytes the header currently states. */
  headerDataBytes = 0;
  #fd: number;
  readonly #header = new Uint8Array(WAV_HEADER_BYTES);
  readonly #onFirstError: (code: string) => void;

  constructor(path: string, onFirstError: (code: string) => void) {
    this.path = path;
    this.#onFirstError = onFirstError;
    this.#fd = openSync(path, 'w');
    this.writeHeader(0);
  }

  /** Write `length` bytes of `bytes` at data offset `dataOffset` (bytes after the header). */
  writeData(bytes: Uint8Array, length: number, dataOffset: number): boolean {
    return this.#write(bytes, length, WAV_HEADER_BYTES + dataOffset);
  }

  /** Grow the data to `dataBytes` with silence (zeros; sparse on most filesystems). */
  extend(dataBytes: number): void {
    if (this.#fd < 0) return;
    try {
      ftruncateSync(this.#fd, WAV_HEADER_BYTES + dataBytes);
    } catch (err) {
      this.#fail(err);
    }
  }

  writeHeader(dataBytes: number): void {
    writeWavHeader(this.#header, dataBytes);
    if (this.#write(this.#header, WAV_HEADER_BYTES, 0)) this.headerDataBytes = dataBytes;
  }

  /**
   * Final header, close. Safe to call once; errors are recorded, not thrown.
   * No fsync here: it would stall every other leg on this drain loop; the
   * session's finalize syncs the closed files off the hot path.
   */
  close(dataBytes: number): void {
    this.writeHeader(dataBytes);
    closeSync(this.#fd);
    this.#fd = -1;
  }

  #write(bytes: Uint8Array, length: number, position: number): boolean {
    if (this.#fd < 0) return false;
    try {
      let done = 0;
      while (done < length) done += writeSync(this.#fd, bytes, done, length - done, position + done);
      return true;
    } catch (err) {
      this.#fail(err);
      return false;
    }
  }

  #fail(err: unknown): void {
    this.writeErrors++;
    if (this.error === null) {
      this.error = (err as NodeJS.ErrnoException).code ?? 'EIO';
      this.#onFirstError(this.error);
    }
  }
}
