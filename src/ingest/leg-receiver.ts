/**
 * One leg's UDP socket on the main thread: the hot path. Per datagram it does
 * the least possible: check the source (latching, SPEC §3), stamp the arrival
 * time, copy the datagram into the leg's ring, count. No Promise, no
 * postMessage, no I/O, no allocation of ours. A full ring drops and counts.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { RingProducer } from '../ring/index.js';
import { MAX_PACKET_BYTES } from '../ring/index.js';
import { RtpParseResult, createRtpHeader, parseRtpHeader } from '../rtp/index.js';

const SAMPLES_PER_MS = 8;
/** Kernel receive buffer per socket: absorbs bursts while the event loop is busy. */
const RECV_BUFFER_BYTES = 256 * 1024;
const MIN_RTP_BYTES = 12;
/** Scratch for the one full parse a leg does on the main thread (its first packet). */
const latchHeader = createRtpHeader();
/** First byte's top two bits for RTP version 2. */
const RTP_V2_BITS = 0x80;

export interface LegReceiverCounters {
  packets: number;
  bytes: number;
  droppedRingFull: number;
  droppedWrongSource: number;
  droppedMalformed: number;
}

export class LegReceiver implements LegReceiverCounters {
  readonly slot: number;
  readonly port: number;
  packets = 0;
  bytes = 0;
  droppedRingFull = 0;
  droppedWrongSource = 0;
  /** Too short, too long or not version 2; the worker counts the subtler cases. */
  droppedMalformed = 0;
  /** Dropped on arrival because recording is paused (PCI) or the call was discarded. */
  droppedPaused = 0;
  /** While true, datagrams are counted and dropped: they never reach the ring or the disk. */
  paused = false;
  /** performance.now() of the last accepted packet, or 0. */
  lastPacketAt = 0;
  sourceAddress: string | null = null;
  sourcePort = 0;
  readonly #socket: dgram.Socket;
  readonly #producer: RingProducer;
  /** performance.now() at the session's start_time: arrival times count from here. */
  #originMs: number;

  constructor(slot: number, port: number, producer: RingProducer, originMs: number) {
    this.slot = slot;
    this.port = port;
    this.#producer = producer;
    this.#originMs = originMs;
    this.#socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
    this.#socket.on('error', () => {
      // Bind errors reject bind(); an error after binding (rare, e.g. ICMP) is not fatal to the call.
    });
  }

  /** Bind to host:port; rejects with the OS error (EADDRINUSE, EACCES…). */
  bind(host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#socket.once('error', onError);
      this.#socket.bind({ address: host, port: this.port, exclusive: true }, () => {
        this.#socket.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * Start handing datagrams to the ring. Until then the socket is bound but
   * has no listener, so anything that arrives is discarded: the leg's OPEN
   * record must reach the ring before its first packet.
   */
  start(): void {
    this.#socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
  }

  /**
   * Leave `ms` out of this leg's timeline (a skipped pause): arrival times
   * from now on count as if that span never happened.
   */
  shiftOrigin(ms: number): void {
    this.#originMs += ms;
  }

  /** Stop receiving. Packets already in the ring are still recorded. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // already closed, or never bound
      }
    });
  }

  #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const length = msg.length;
    if (length < MIN_RTP_BYTES || length > MAX_PACKET_BYTES || (msg[0] & 0xc0) !== RTP_V2_BITS) {
      this.droppedMalformed++;
      return;
    }
    if (this.sourceAddress === null) {
      // Only a well-formed RTP packet may claim the leg (checked once, before latching).
      if (parseRtpHeader(msg, 0, length, latchHeader) !== RtpParseResult.OK) {
        this.droppedMalformed++;
        return;
      }
      this.sourceAddress = rinfo.address;
      this.sourcePort = rinfo.port;
    } else if (rinfo.port !== this.sourcePort || rinfo.address !== this.sourceAddress) {
      this.droppedWrongSource++;
      return;
    }
    const now = performance.now();
    this.lastPacketAt = now;
    if (this.paused) {
      this.droppedPaused++;
      return;
    }
    const arrival = Math.max(0, Math.round((now - this.#originMs) * SAMPLES_PER_MS));
    if (this.#producer.pushPacket(this.slot, arrival, msg)) {
      this.packets++;
      this.bytes += length;
    } else {
      this.droppedRingFull++;
    }
  }
}
