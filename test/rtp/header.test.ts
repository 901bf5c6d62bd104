/**
 * parseRtpHeader (RFC 3550 §5.1) from literal bytes: every field, the CSRC,
 * extension and padding offsets, every malformed case with its code, and a
 * seeded fuzz that checks the parser against an independent reference.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RTP_FIXED_HEADER_BYTES, RtpParseResult, createRtpHeader, parseRtpHeader } from '../../src/rtp/index.js';
import type { RtpHeader } from '../../src/rtp/index.js';
import { createPrng } from '../helpers/prng.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

function parse(buf: Uint8Array, offset = 0, length = buf.length - offset): { result: number; h: RtpHeader } {
  const h = createRtpHeader();
  return { result: parseRtpHeader(buf, offset, length, h), h };
}

test('constants: version 2, 12-byte fixed header', () => {
  assert.is(RTP_FIXED_HEADER_BYTES, 12);
  assert.equal(RtpParseResult, { OK: 0, TOO_SHORT: 1, BAD_VERSION: 2, BAD_CSRC: 3, BAD_EXTENSION: 4, BAD_PADDING: 5 });
});

test('every fixed-header field from literal bytes', () => {
  // V=2 P=0 X=0 CC=0 | M=1 PT=0 | seq 0x1234 | ts 0x00012345 | SSRC 0xdeadbeef | 3 bytes payload
  const { result, h } = parse(bytes(0x80, 0x80, 0x12, 0x34, 0x00, 0x01, 0x23, 0x45, 0xde, 0xad, 0xbe, 0xef, 0xff, 0x7f, 0x00));
  assert.is(result, RtpParseResult.OK);
  assert.equal(h, {
    marker: true,
    payloadType: 0,
    sequenceNumber: 0x1234,
    timestamp: 0x00012345,
    ssrc: 0xdeadbeef | 0,
    csrcCount: 0,
    payloadOffset: 12,
    payloadLength: 3,
  });
});

test('fields at their extremes: PT 127, seq 65535, timestamp and SSRC 2^32-1 (as int32 -1; >>> 0 gives them back)', () => {
  const { result, h } = parse(bytes(0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.marker, true);
  assert.is(h.payloadType, 127);
  assert.is(h.sequenceNumber, 65535);
  assert.is(h.timestamp, -1);
  assert.is(h.ssrc, -1);
  assert.is(h.timestamp >>> 0, 0xffffffff);
  assert.is(h.ssrc >>> 0, 0xffffffff);
  assert.is(h.payloadLength, 0);
});

test('marker bit and payload type are separate: M=0 PT=8, M=1 PT=8', () => {
  const a = parse(bytes(0x80, 0x08, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xd5));
  assert.is(a.h.marker, false);
  assert.is(a.h.payloadType, 8);
  assert.is(a.h.sequenceNumber, 1);
  assert.is(a.h.timestamp, 2);
  assert.is(a.h.ssrc, 3);
  const b = parse(bytes(0x80, 0x88, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xd5));
  assert.is(b.h.marker, true);
  assert.is(b.h.payloadType, 8);
});

test('a 12-byte header with no payload is valid (length 0 payload)', () => {
  const { result, h } = parse(bytes(0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.payloadOffset, 12);
  assert.is(h.payloadLength, 0);
});

test('CSRC list: payload starts after 4 bytes per CSRC', () => {
  const { result, h } = parse(bytes(
    0x83, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 9,
    0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33,
    0xaa, 0xbb,
  ));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.csrcCount, 3);
  assert.is(h.payloadOffset, 24);
  assert.is(h.payloadLength, 2);
});

test('CSRC count 15 exactly filling the packet is valid', () => {
  const buf = new Uint8Array(12 + 60);
  buf[0] = 0x8f;
  const { result, h } = parse(buf);
  assert.is(result, RtpParseResult.OK);
  assert.is(h.csrcCount, 15);
  assert.is(h.payloadOffset, 72);
  assert.is(h.payloadLength, 0);
});

test('header extension: 4-byte header plus length-in-words is skipped', () => {
  const { result, h } = parse(bytes(
    0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
    0xbe, 0xde, 0x00, 0x02, // profile, 2 words
    1, 2, 3, 4, 5, 6, 7, 8,
    0xaa, 0xbb, 0xcc,
  ));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.csrcCount, 0);
  assert.is(h.payloadOffset, 24);
  assert.is(h.payloadLength, 3);
});

test('header extension of length 0 words is just its 4-byte header', () => {
  const { result, h } = parse(bytes(0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x00, 0xaa));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.payloadOffset, 16);
  assert.is(h.payloadLength, 1);
});

test('extension length is read after the CSRC list, not at byte 12', () => {
  // CC=1: the extension header is at 16. Byte 14-15 (inside the CSRC) say 0xffff words.
  const { result, h } = parse(bytes(
    0x91, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
    0x00, 0x00, 0xff, 0xff, // CSRC
    0xbe, 0xde, 0x00, 0x01, // extension: 1 word
    9, 9, 9, 9,
    0xaa,
  ));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.csrcCount, 1);
  assert.is(h.payloadOffset, 24);
  assert.is(h.payloadLength, 1);
});

test('padding: the last octet counts the padding, itself included', () => {
  const { result, h } = parse(bytes(0xa0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0xbb, 0x00, 0x00, 0x03));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.payloadOffset, 12);
  assert.is(h.payloadLength, 2);
});

test('padding of exactly the whole payload leaves an empty payload', () => {
  const { result, h } = parse(bytes(0xa0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x00, 0x00, 0x04));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.payloadLength, 0);
});

test('CSRC + extension + padding together', () => {
  const { result, h } = parse(bytes(
    0xb2, 0x88, 0x80, 0x00, 0x80, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfe,
    1, 1, 1, 1, 2, 2, 2, 2, // 2 CSRC
    0x10, 0x00, 0x00, 0x01, 7, 7, 7, 7, // extension, 1 word
    0xd5, 0xd5, 0xd5, 0xd5, 0xd5, // 5 bytes of payload
    0x00, 0x02, // 2 bytes of padding
  ));
  assert.is(result, RtpParseResult.OK);
  assert.is(h.marker, true);
  assert.is(h.payloadType, 8);
  assert.is(h.sequenceNumber, 0x8000);
  assert.is(h.timestamp >>> 0, 0x80000000);
  assert.is(h.ssrc >>> 0, 0xfffffffe);
  assert.is(h.csrcCount, 2);
  assert.is(h.payloadOffset, 28);
  assert.is(h.payloadLength, 5);
});

test('offsets are absolute when the packet sits inside a larger buffer', () => {
  const packet = bytes(0xa1, 0x00, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 9, 9, 9, 9, 0xaa, 0xbb, 0x00, 0x02);
  const buf = new Uint8Array(100).fill(0xee);
  buf.set(packet, 37);
  const { result, h } = parse(buf, 37, packet.length);
  assert.is(result, RtpParseResult.OK);
  assert.is(h.sequenceNumber, 5);
  assert.is(h.timestamp, 6);
  assert.is(h.ssrc, 7);
  assert.is(h.payloadOffset, 37 + 16);
  assert.is(h.payloadLength, 2);
});

test('only buf[offset, offset + length) counts: bytes after it never make a packet valid', () => {
  // CC=2 but the packet is 16 bytes long; the buffer goes on for 100 more bytes.
  const buf = new Uint8Array(128).fill(0);
  buf.set([0x82, 0, 0, 1], 0);
  assert.is(parse(buf, 0, 16).result, RtpParseResult.BAD_CSRC);
  // Padding: the count is the packet's last byte (index 13), not the buffer's.
  buf.fill(0);
  buf.set([0xa0, 0, 0, 1], 0);
  buf[13] = 1;
  buf[127] = 200;
  const { result, h } = parse(buf, 0, 14);
  assert.is(result, RtpParseResult.OK);
  assert.is(h.payloadLength, 1);
});

test('TOO_SHORT: every length below 12, including 0', () => {
  const full = bytes(0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1);
  for (let n = 0; n < 12; n++) assert.is(parse(full, 0, n).result, RtpParseResult.TOO_SHORT, `length ${n}`);
  assert.is(parse(new Uint8Array(0)).result, RtpParseResult.TOO_SHORT);
});

test('BAD_VERSION: versions 0, 1 and 3', () => {
  for (const b0 of [0x00, 0x40, 0xc0, 0x3f, 0x7f, 0xff]) {
    const buf = bytes(b0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa);
    assert.is(parse(buf).result, RtpParseResult.BAD_VERSION, `first byte 0x${b0.toString(16)}`);
  }
});

test('BAD_CSRC: the CSRC list runs past the end', () => {
  assert.is(parse(bytes(0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)).result, RtpParseResult.BAD_CSRC);
  assert.is(parse(bytes(0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3)).result, RtpParseResult.BAD_CSRC);
  const buf = new Uint8Array(12 + 59);
  buf[0] = 0x8f;
  assert.is(parse(buf).result, RtpParseResult.BAD_CSRC);
});

test('BAD_EXTENSION: no room for the extension header, or its length runs past the end', () => {
  // X=1 with nothing after the fixed header.
  assert.is(parse(bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)).result, RtpParseResult.BAD_EXTENSION);
  // X=1 with 3 of the 4 extension-header bytes.
  assert.is(parse(bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0)).result, RtpParseResult.BAD_EXTENSION);
  // Extension says 1 word, 3 bytes follow.
  assert.is(parse(bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 1, 2, 3)).result, RtpParseResult.BAD_EXTENSION);
  // Extension says 0xffff words.
  assert.is(parse(bytes(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff, 1, 2, 3, 4)).result, RtpParseResult.BAD_EXTENSION);
  // After a CSRC: the CSRC fits, the extension header does not.
  assert.is(parse(bytes(0x91, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0xbe)).result, RtpParseResult.BAD_EXTENSION);
});

test('BAD_PADDING: a zero padding count, or more padding than payload', () => {
  // Zero count.
  assert.is(parse(bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0x00)).result, RtpParseResult.BAD_PADDING);
  // Count 3 with 2 bytes after the header.
  assert.is(parse(bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0x03)).result, RtpParseResult.BAD_PADDING);
  // P=1 and no payload at all: the "last byte" is the SSRC's, and there is no room for padding.
  assert.is(parse(bytes(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)).result, RtpParseResult.BAD_PADDING);
  // Padding would eat into the extension.
  assert.is(parse(bytes(0xb0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0, 0xaa, 0x02)).result, RtpParseResult.OK);
  assert.is(parse(bytes(0xb0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0, 0xaa, 0x03)).result, RtpParseResult.BAD_PADDING);
});

test('a malformed packet leaves the caller-owned header as it was', () => {
  const h = createRtpHeader();
  const good = bytes(0x80, 0x08, 0, 42, 0, 0, 0, 99, 0, 0, 0, 7, 0xd5, 0xd5);
  assert.is(parseRtpHeader(good, 0, good.length, h), RtpParseResult.OK);
  const before = { ...h };
  for (const bad of [bytes(0x80, 0), bytes(0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), bytes(0xa0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0)]) {
    assert.is.not(parseRtpHeader(bad, 0, bad.length, h), RtpParseResult.OK);
    assert.equal(h, before);
  }
});

test('the same header object is reused: parsing fills it in place', () => {
  const h = createRtpHeader();
  const a = bytes(0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff);
  const b = bytes(0x82, 0x08, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2);
  parseRtpHeader(a, 0, a.length, h);
  parseRtpHeader(b, 0, b.length, h);
  assert.is(h.sequenceNumber, 2);
  assert.is(h.payloadType, 8);
  assert.is(h.csrcCount, 2);
  assert.is(h.payloadOffset, 20);
  assert.is(h.payloadLength, 0);
});

/** An independent reading of RFC 3550 §5.1 with DataView, for the fuzz. */
function referenceParse(buf: Uint8Array, offset: number, length: number): { result: number; offset?: number; length?: number } {
  if (length < 12) return { result: RtpParseResult.TOO_SHORT };
  const view = new DataView(buf.buffer, buf.byteOffset + offset, length);
  const b0 = view.getUint8(0);
  if (b0 >>> 6 !== 2) return { result: RtpParseResult.BAD_VERSION };
  let pos = 12 + (b0 & 0x0f) * 4;
  if (pos > length) return { result: RtpParseResult.BAD_CSRC };
  if (b0 & 0x10) {
    if (pos + 4 > length) return { result: RtpParseResult.BAD_EXTENSION };
    pos += 4 + view.getUint16(pos + 2) * 4;
    if (pos > length) return { result: RtpParseResult.BAD_EXTENSION };
  }
  let end = length;
  if (b0 & 0x20) {
    const pad = view.getUint8(length - 1);
    if (pad === 0 || end - pad < pos) return { result: RtpParseResult.BAD_PADDING };
    end -= pad;
  }
  return { result: RtpParseResult.OK, offset: offset + pos, length: end - pos };
}

test('fuzz: 100k seeded random buffers never throw, agree with a reference parser, stay in bounds', () => {
  const rnd = createPrng(0x5eed_0001);
  const buf = new Uint8Array(256);
  const h = createRtpHeader();
  const counts = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 100_000; i++) {
    const offset = rnd() % 16;
    const length = rnd() % (buf.length - offset + 1) % 96;
    for (let j = 0; j < buf.length; j++) buf[j] = rnd() & 0xff;
    // Most random first bytes are not version 2; make half of them so, to reach the deeper checks.
    if (i & 1) buf[offset] = 0x80 | (buf[offset] & 0x3f);
    // Keep extension lengths small in a quarter of them so some extensions fit.
    if ((i & 3) === 3) {
      const ext = offset + 12 + (buf[offset] & 0x0f) * 4;
      if (ext + 3 < buf.length) buf[ext + 2] = 0;
      if (ext + 3 < buf.length) buf[ext + 3] &= 0x03;
    }
    let result: number;
    try {
      result = parseRtpHeader(buf, offset, length, h);
    } catch (err) {
      assert.unreachable(`threw on case ${i} (offset ${offset}, length ${length}): ${(err as Error).message}`);
      return;
    }
    const want = referenceParse(buf, offset, length);
    assert.is(result, want.result, `case ${i}: offset ${offset}, length ${length}, first byte 0x${buf[offset].toString(16)}`);
    counts[result]++;
    if (result === RtpParseResult.OK) {
      assert.is(h.payloadOffset, want.offset, `case ${i}: payloadOffset`);
      assert.is(h.payloadLength, want.length, `case ${i}: payloadLength`);
      assert.ok(h.payloadOffset >= offset + 12 + h.csrcCount * 4, `case ${i}: payload inside the header`);
      assert.ok(h.payloadLength >= 0, `case ${i}: negative payload`);
      assert.ok(h.payloadOffset + h.payloadLength <= offset + length, `case ${i}: payload past the end`);
    }
  }
  // The fuzz reached every outcome, so every branch was exercised.
  for (let r = 0; r < counts.length; r++) assert.ok(counts[r] > 100, `result ${r} seen only ${counts[r]} times`);
});

test.run();
