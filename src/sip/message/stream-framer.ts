/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3): headers end at
 * the blank line, the body is exactly Content-Length bytes (absent = 0).
 * CRLF keep-alives between messages are skipped; a double CRLF is a ping
 * (RFC 5626 §3.5.1) the transport answers with one CRLF.
 *
 * Limits keep a hostile peer from making us buffer without end: a header
 * block past maxHeaderBytes or a Content-Length past maxBodyBytes is an
 * error and the caller closes the connection (there is no way to resync).
 */
import { SIP_LIMITS, findHeaderEnd } from './parse.js';

export type FrameError = 'headers_too_large' | 'bad_content_length' | 'body_too_large';

export interface FrameSink {
  message(bytes: Buffer): void;
  ping(): void;
}

const CR = 0x0d;
const LF = 0x0a;
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)$/im;

export class SipStreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  /** Where the header-end search resumes (bytes already scanned). */
  #scanned = 0;
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;

  constructor(limits: { maxHeaderBytes?: number; maxBodyBytes?: number } = {}) {
    this.#maxHeaderBytes = limits.maxHeaderBytes ?? SIP_LIMITS.maxHeaderBytes;
    this.#maxBodyBytes = limits.maxBodyBytes ?? SIP_LIMITS.maxMessageBytes - SIP_LIMITS.maxHeaderBytes;
  }

  /** Bytes held for a message not complete yet. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Feed bytes; complete messages go to the sink. Returns an error that ends the stream, or null. */
  push(chunk: Buffer, sink: FrameSink): FrameError | null {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const skipped = this.#skipLineEnds(sink);
      if (skipped) continue;
      if (this.#buf.length === 0) return null;
      const end = findHeaderEnd(this.#buf, Math.max(0, this.#scanned - 3));
      if (end === null) {
        this.#scanned = this.#buf.length;
        return this.#buf.length > this.#maxHeaderBytes ? 'headers_too_large' : null;
      }
      if (end.headerEnd > this.#maxHeaderBytes) return 'headers_too_large';
      const m = CONTENT_LENGTH.exec(this.#buf.toString('latin1', 0, end.headerEnd));
      let length = 0;
      if (m !== null) {
        const value = m[1].trim();
        if (!/^\d{1,9}$/.test(value)) return 'bad_content_length';
        length = Number(value);
      }
      if (length > this.#maxBodyBytes) return 'body_too_large';
      const total = end.bodyStart + length;
      if (this.#buf.length < total) {
        this.#scanned = end.headerEnd;
        return null;
      }
      const message = this.#buf.subarray(0, total);
      this.#buf = this.#buf.subarray(total);
      this.#scanned = 0;
      sink.message(message);
    }
  }

  /** Drop CRLFs before a message; a CRLFCRLF is a keep-alive ping. True when something was skipped. */
  #skipLineEnds(sink: FrameSink): boolean {
    const b = this.#buf;
    if (b.length === 0 || (b[0] !== CR && b[0] !== LF)) return false;
    if (b.length >= 4 && b[0] === CR && b[1] === LF && b[2] === CR && b[3] === LF) {
      this.#buf = b.subarray(4);
      this.#scanned = 0;
      sink.ping();
      return true;
    }
    if (b.length < 4 && b[0] === CR && (b.length < 2 || b[1] === LF) && (b.length < 3 || b[2] === CR)) {
      // Maybe the start of a ping split across reads: wait for more.
      return false;
    }
    let i = 0;
    while (i < b.length && (b[i] === CR || b[i] === LF)) i++;
    this.#buf = b.subarray(i);
    this.#scanned = 0;
    return true;
  }
}
