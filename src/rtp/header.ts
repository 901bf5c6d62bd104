/**
 * RTP fixed header (RFC 3550 §5.1), parsed in place from any byte view.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           timestamp                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           synchronization source (SSRC) identifier            |
 *   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *   |            contributing source (CSRC) identifiers             |
 *   |                             ....                              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  header extension (RFC 3550 §5.3.1): profile, length in words |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  payload ...  | padding (last octet = padding count, if P)    |
 *
 * The parser allocates nothing: it fills a caller-owned RtpHeader and returns
 * a RtpParseResult code. Every read is preceded by a length check, so a short
 * or lying packet is reported, never read past.
 */

export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_BYTES = 12;

const OFF_SEQ = 2;
const OFF_TIMESTAMP = 4;
const OFF_SSRC = 8;

/** Why a datagram is not a usable RTP packet. `OK` (0) means it is. */
export const RtpParseResult = {
  OK: 0,
  TOO_SHORT: 1,
  BAD_VERSION: 2,
  BAD_CSRC: 3,
  BAD_EXTENSION: 4,
  BAD_PADDING: 5,
} as const;
export type RtpParseResult = (typeof RtpParseResult)[keyof typeof RtpParseResult];

/** Filled in place by parseRtpHeader; offsets are absolute within the buffer. */
export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  /**
   * The 32-bit timestamp and SSRC as signed int32 (`>>> 0` gives the unsigned
   * value): compare them with ===, take distances with timestampDelta(). Kept
   * signed so they stay small integers in V8; as unsigned, half of all values
   * would be boxed heap numbers, allocated on every packet in the drain loop.
   */
  timestamp: number;
  ssrc: number;
  csrcCount: number;
  payloadOffset: number;
  payloadLength: number;
}

export function createRtpHeader(): RtpHeader {
  return {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    csrcCount: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/** A big-endian 32-bit word as a signed int32 (see RtpHeader.timestamp). */
function readInt32(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * Parse the RTP packet occupying `buf[offset, offset + length)` into `out`.
 * Returns RtpParseResult.OK or the reason it is malformed.
 */
export function parseRtpHeader(
  buf: Uint8Array,
  offset: number,
  length: number,
  out: RtpHeader,
): RtpParseResult {
  if (length < RTP_FIXED_HEADER_BYTES) return RtpParseResult.TOO_SHORT;
  const b0 = buf[offset];
  if (b0 >> 6 !== RTP_VERSION) return RtpParseResult.BAD_VERSION;
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const b1 = buf[offset + 1];

  let headerBytes = RTP_FIXED_HEADER_BYTES + csrcCount * 4;
  if (headerBytes > length) return RtpParseResult.BAD_CSRC;
  if (hasExtension) {
    if (headerBytes + 4 > length) return RtpParseResult.BAD_EXTENSION;
    const extWords = (buf[offset + headerBytes + 2] << 8) | buf[offset + headerBytes + 3];
    headerBytes += 4 + extWords * 4;
    if (headerBytes > length) return RtpParseResult.BAD_EXTENSION;
  }
  let payloadLength = length - headerBytes;
  if (hasPadding) {
    const padding = buf[offset + length - 1];
    if (padding === 0 || padding > payloadLength) return RtpParseResult.BAD_PADDING;
    payloadLength -= padding;
  }

  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[offset + OFF_SEQ] << 8) | buf[offset + OFF_SEQ + 1];
  out.timestamp = readInt32(buf, offset + OFF_TIMESTAMP);
  out.ssrc = readInt32(buf, offset + OFF_SSRC);
  out.csrcCount = csrcCount;
  out.payloadOffset = offset + headerBytes;
  out.payloadLength = payloadLength;
  return RtpParseResult.OK;
}
