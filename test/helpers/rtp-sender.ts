/**
 * One RTP leg as a phone would send it: its own UDP socket (so source
 * latching sees one source), G.711 payload from a seeded PRNG, 160 samples
 * per packet, paced every 20 ms against an absolute schedule (a late timer
 * sends the packets that are due, it never drifts).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { PAYLOAD_TYPES, decodeG711Reference, makeG711Codes } from './g711.js';
import type { Codec } from './g711.js';
import { createPrng } from './prng.js';

export const SAMPLES_PER_PACKET = 160;
export const PACKET_INTERVAL_MS = 20;
export const RTP_HEADER_BYTES = 12;

export interface RtpPacketFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  payload: Uint8Array;
}

/** A plain RTP v2 packet: 12-byte header, no CSRC, no extension, no padding. */
export function buildRtpPacket(p: RtpPacketFields): Buffer {
  const packet = Buffer.alloc(RTP_HEADER_BYTES + p.payload.length);
  packet[0] = 0x80;
  packet[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  packet.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(p.timestamp >>> 0, 4);
  packet.writeUInt32BE(p.ssrc >>> 0, 8);
  packet.set(p.payload, RTP_HEADER_BYTES);
  return packet;
}

export interface RtpLegOptions {
  port: number;
  host?: string;
  codec: Codec;
  /** Seeds the audio, and (unless given) the SSRC, first sequence number and timestamp. */
  seed: number;
  /** Packets of 20 ms to send. */
  packets: number;
  ssrc?: number;
  firstSequence?: number;
  firstTimestamp?: number;
}

export class RtpLeg {
  readonly host: string;
  readonly port: number;
  readonly codec: Codec;
  readonly seed: number;
  readonly packets: number;
  readonly ssrc: number;
  readonly firstSequence: number;
  readonly firstTimestamp: number;
  /** Every G.711 code this leg will send, packet after packet. */
  readonly codes: Uint8Array;
  /** Packets handed to the socket so far. */
  sent = 0;
  /** performance.now() when the first and the last packet were sent. */
  firstSentAt = Number.NaN;
  lastSentAt = Number.NaN;
  /** Socket errors seen (none expected on loopback). */
  readonly errors: Error[] = [];
  readonly #socket: dgram.Socket;
  #timer: NodeJS.Timeout | null = null;
  #finish: (() => void) | null = null;

  private constructor(opts: RtpLegOptions, socket: dgram.Socket) {
    const next = createPrng(opts.seed ^ 0x5eed);
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    this.codec = opts.codec;
    this.seed = opts.seed;
    this.packets = opts.packets;
    this.ssrc = opts.ssrc ?? next();
    this.firstSequence = opts.firstSequence ?? next() & 0xffff;
    this.firstTimestamp = opts.firstTimestamp ?? next();
    this.codes = makeG711Codes(opts.seed, opts.codec, opts.packets * SAMPLES_PER_PACKET);
    this.#socket = socket;
    socket.on('error', (err) => this.errors.push(err));
  }

  /** A leg with its own socket bound to an ephemeral loopback port. */
  static async open(opts: RtpLegOptions): Promise<RtpLeg> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpLeg(opts, socket);
  }

  /** The `index`th packet of this leg, as sent. */
  packet(index: number): Buffer {
    return buildRtpPacket({
      payloadType: PAYLOAD_TYPES[this.codec],
      sequenceNumber: this.firstSequence + index,
      timestamp: this.firstTimestamp + index * SAMPLES_PER_PACKET,
      ssrc: this.ssrc,
      marker: index === 0,
      payload: this.codes.subarray(index * SAMPLES_PER_PACKET, (index + 1) * SAMPLES_PER_PACKET),
    });
  }

  /** Send any datagram from this leg's socket (same source as its RTP). */
  sendRaw(datagram: Uint8Array): void {
    this.#socket.send(datagram, this.port, this.host);
  }

  /** Send packet `index` now (for tests that pick which packets go). */
  sendPacket(index: number): void {
    const now = performance.now();
    if (Number.isNaN(this.firstSentAt)) this.firstSentAt = now;
    this.lastSentAt = now;
    this.sendRaw(this.packet(index));
  }

  /**
   * Send every packet in real time, starting after `delayMs`; resolves when
   * all are sent or stop() is called.
   */
  start(delayMs = 0): Promise<void> {
    if (this.#finish !== null) throw new Error('RtpLeg already sending');
    return new Promise((resolve) => {
      this.#finish = resolve;
      const t0 = performance.now() + delayMs;
      const tick = () => {
        this.#timer = null;
        const now = performance.now();
        while (this.sent < this.packets && t0 + this.sent * PACKET_INTERVAL_MS <= now) {
          this.sendPacket(this.sent);
          this.sent++;
        }
        if (this.sent >= this.packets) {
          this.#done();
          return;
        }
        this.#timer = setTimeout(tick, Math.max(0, t0 + this.sent * PACKET_INTERVAL_MS - performance.now()));
      };
      this.#timer = setTimeout(tick, delayMs);
    });
  }

  /** Stop sending now; returns the number of packets sent. */
  stop(): number {
    this.#done();
    return this.sent;
  }

  /** Reference decoding of the first `packets` packets (all sent so far by default). */
  expected(packets = this.sent): Int16Array {
    return decodeG711Reference(this.codec, this.codes.subarray(0, packets * SAMPLES_PER_PACKET));
  }

  close(): Promise<void> {
    this.#done();
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #done(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const finish = this.#finish;
    this.#finish = null;
    finish?.();
  }
}
