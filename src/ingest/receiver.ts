/**
 * What a leg's receiver is, whichever way it reads its socket: `LegReceiver`
 * (node:dgram, one JS callback per datagram) or `NativeLegReceiver` (the
 * addon in native/: epoll + recvmmsg straight into the ring). Both apply the
 * same rules, below, with the same counters; the session, finalize and the
 * metrics only see this interface.
 *
 * Rules per datagram, in order:
 *   1. RTCP on the RTP port (RFC 5761 §4: version 2 and a second byte of
 *      192..223, i.e. the marker bit set and "PT" 64..95; RTCP's packet types
 *      200-207 are in it): counted `rtcp`, never latched on, never queued.
 *   2. Shorter than 12 or longer than MAX_PACKET_BYTES, or not version 2:
 *      `malformed`.
 *   3. Source latching: the leg belongs to the first source (address and
 *      port) that sends a well-formed RTP packet of a payload type we record
 *      (PCMU 0, PCMA 8, CN 13). Until then a well-formed packet of another
 *      payload type (telephone-event, unknown) is queued for the worker to
 *      count, without latching. Packets from other sources are `wrong_source`.
 *   4. Re-latch (like Asterisk's strict-RTP learning): once the latched
 *      source has sent nothing for RELATCH_SILENCE_MS, a new source that sends
 *      RELATCH_RUN well-formed audio packets in a row with one SSRC and
 *      consecutive sequence numbers takes the leg (`relatched`); the packet
 *      that completes the run is the new source's first queued packet (the
 *      earlier ones of the run were counted `wrong_source`). A single stray
 *      packet during a live stream can therefore never take the leg.
 *   5. Paused or discarded: `paused`. Ring full: `ring_full`. Else queued.
 */
import { PayloadType } from '../rtp/index.js';

export const RELATCH_SILENCE_MS = 1000;
export const RELATCH_RUN = 4;

/** Which receive path the process uses (`--rtp-io`). */
export type RtpIo = 'native' | 'dgram';

export interface RtpReceiver {
  readonly slot: number;
  readonly port: number;
  /** Packets queued to the ring, and their bytes. */
  readonly packets: number;
  readonly bytes: number;
  readonly droppedRingFull: number;
  readonly droppedWrongSource: number;
  /** Too short, too long or not version 2; the worker counts the subtler cases. */
  readonly droppedMalformed: number;
  /** Dropped on arrival because recording is paused (PCI) or the call was discarded. */
  readonly droppedPaused: number;
  /** RTCP multiplexed on the RTP port (RFC 5761): counted, never recorded. */
  readonly droppedRtcp: number;
  /** Datagrams the kernel dropped on this socket (receive queue full). */
  readonly droppedKernel: number;
  /** Times a new source took the leg over after the old one fell silent. */
  readonly relatched: number;
  /** While true, datagrams are counted and dropped: they never reach the ring or the disk. */
  paused: boolean;
  /** performance.now() of the last packet from the latched source, or 0. */
  readonly lastPacketAt: number;
  /** Bind to host:port; rejects with the OS error (its `code`: EADDRINUSE, EACCES…). */
  bind(host: string): Promise<void>;
  /** Start queueing datagrams (the leg's OPEN record is in the ring). */
  start(): void;
  /** Leave `ms` out of this leg's timeline (a skipped pause). */
  shiftOrigin(ms: number): void;
  /** Stop receiving; idempotent. Packets already in the ring are still recorded. */
  close(): Promise<void>;
}

/** Shortest RTCP packet: a header and the sender's SSRC (an empty RR). */
export const MIN_RTCP_BYTES = 8;

/** RTCP on an RTP port, by its length and first two bytes (RFC 5761 §4). */
export function isRtcp(length: number, first: number, second: number): boolean {
  return length >= MIN_RTCP_BYTES && (first & 0xc0) === 0x80 && second >= 192 && second <= 223;
}

/** The payload types a leg may latch on: audio we record (RFC 3551). */
export function isLatchingPayloadType(pt: number): boolean {
  return pt === PayloadType.PCMU || pt === PayloadType.PCMA || pt === PayloadType.CN;
}
