/**
 * One leg's UDP socket on the main thread through node:dgram (`--rtp-io
 * dgram`, the portable path). Per datagram it does the least possible: the
 * rules in receiver.ts (RTCP, size and version, latching), stamp the arrival
 * time, copy the datagram into the leg's ring, count. No Promise, no
 * postMessage, no I/O, no allocation of ours. A full ring drops and counts.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { RingProducer } from '../ring/index.js';
import { MAX_PACKET_BYTES } from '../ring/index.js';
import { RTP_FIXED_HEADER_BYTES, RtpParseResult, createRtpHeader, parseRtpHeader } from '../rtp/index.js';
import { kernelDrops } from './kernel-drops.js';
import { RELATCH_RUN, RELATCH_SILENCE_MS, isLatchingPayloadType, isRtcp } from './receiver.js';
import type { RtpReceiver } from './receiver.js';

const SAMPLES_PER_MS = 8;
/** Kernel receive buffer per socket: absorbs bursts while the event loop is busy. */
export const RECV_BUFFER_BYTES = 256 * 1024;
/** Scratch for the full parses the main thread does (latching candidates only). */
const scratch = createRtpHeader();
/** First byte's top two bits for RTP version 2. */
const RTP_V2_BITS = 0x80;

export class LegReceiver implements RtpReceiver {
  readonly slot: number;
  readonly port: number;
  packets = 0;
  bytes = 0;
  droppedRingFull = 0;
  droppedWrongSource = 0;
  droppedMalformed = 0;
  droppedPaused = 0;
  droppedRtcp = 0;
  relatched = 0;
  paused = false;
  lastPacketAt = 0;
  sourceAddress: string | null = null;
  sourcePort = 0;
  /** A source that may take the leg over (rule 4): its run so far. */
  #candidateAddress: string | null = null;
  #candidatePort = 0;
  #candidateSsrc = 0;
  #candidateNextSeq = 0;
  #candidateRun = 0;
  /** Kernel drops read before the socket closed (the socket's row goes with it). */
  #kernelDropsAtClose = -1;
  #closed = false;
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

  get droppedKernel(): number {
    return this.#kernelDropsAtClose >= 0 ? this.#kernelDropsAtClose : kernelDrops(this.port);
  }

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

  shiftOrigin(ms: number): void {
    this.#originMs += ms;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#kernelDropsAtClose = kernelDrops(this.port);
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }

  #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const length = msg.length;
    if (isRtcp(length, msg[0], msg[1])) {
      this.droppedRtcp++;
      return;
    }
    if (length < RTP_FIXED_HEADER_BYTES || length > MAX_PACKET_BYTES || (msg[0] & 0xc0) !== RTP_V2_BITS) {
      this.droppedMalformed++;
      return;
    }
    const now = performance.now();
    if (rinfo.port !== this.sourcePort || rinfo.address !== this.sourceAddress) {
      if (!this.#admit(msg, length, rinfo, now)) return;
    }
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

  /**
   * A packet from a source that does not own the leg (or before any does):
   * latch, re-latch, queue unlatched, or drop and count (rules 3 and 4).
   */
  #admit(msg: Buffer, length: number, rinfo: dgram.RemoteInfo, now: number): boolean {
    if (parseRtpHeader(msg, 0, length, scratch) !== RtpParseResult.OK) {
      this.droppedMalformed++;
      return false;
    }
    const audio = isLatchingPayloadType(scratch.payloadType);
    if (this.sourceAddress === null) {
      if (audio) this.#latch(rinfo);
      return true; // non-audio before any latch: the worker counts it
    }
    if (!audio || now - this.lastPacketAt < RELATCH_SILENCE_MS) {
      this.#candidateRun = 0;
      this.droppedWrongSource++;
      return false;
    }
    const seq = scratch.sequenceNumber;
    if (this.#candidateRun !== 0 && rinfo.port === this.#candidatePort && rinfo.address === this.#candidateAddress &&
        scratch.ssrc === this.#candidateSsrc && seq === this.#candidateNextSeq) {
      this.#candidateRun++;
    } else {
      this.#candidateAddress = rinfo.address;
      this.#candidatePort = rinfo.port;
      this.#candidateSsrc = scratch.ssrc;
      this.#candidateRun = 1;
    }
    this.#candidateNextSeq = (seq + 1) & 0xffff;
    if (this.#candidateRun < RELATCH_RUN) {
      this.droppedWrongSource++;
      return false;
    }
    this.relatched++;
    this.#latch(rinfo);
    return true;
  }

  #latch(rinfo: dgram.RemoteInfo): void {
    this.sourceAddress = rinfo.address;
    this.sourcePort = rinfo.port;
    this.#candidateRun = 0;
  }
}
