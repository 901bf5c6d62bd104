/**
 * The last N bytes of a stream (a command's stderr), held in bounded memory
 * however much the command writes.
 */
export class TailBuffer {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0].length >= this.#max) {
      this.#bytes -= this.#chunks[0].length;
      this.#chunks.shift();
    }
  }

  /** The tail as UTF-8, starting on a character boundary. */
  toString(): string {
    let buf = Buffer.concat(this.#chunks);
    if (buf.length > this.#max) buf = buf.subarray(buf.length - this.#max);
    let start = 0;
    while (start < buf.length && start < 4 && (buf[start] & 0xc0) === 0x80) start++;
    return buf.subarray(start).toString('utf8');
  }
}
