/**
 * The committed RTP fixtures (test/fixtures/*.bin, built by make-fixtures.ts):
 * the valid ones parse to the fields written down here, the invalid ones
 * (werift ships rtcp_rr_invalid.bin and never loads it; we do) to their code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpParseResult, createRtpHeader, parseRtpHeader } from '../../src/rtp/index.js';
import { FIXTURES_DIR, INVALID, VALID, alawmulaw, buildFixtures, tone } from '../fixtures/make-fixtures.js';

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES_DIR, name)));
}

test('the committed .bin files are exactly what make-fixtures.ts builds (none missing, none extra)', () => {
  const built = buildFixtures();
  const onDisk = readdirSync(FIXTURES_DIR).filter((n) => n.endsWith('.bin')).sort();
  assert.equal(onDisk, [...built.keys()].sort());
  for (const [name, bytes] of built) assert.equal(load(name), bytes, name);
});

test('pcmu.bin, literally: header and the first µ-law codes of the tone (0 → 0xff, 5657 → 0xa9, 8000 → 0xa0)', () => {
  assert.equal([...load('pcmu.bin').subarray(0, 20)], [0x80, 0x80, 0x12, 0x34, 0x00, 0x01, 0x23, 0x45, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xa9, 0xa0, 0xa9, 0xff, 0x29, 0x20, 0x29]);
});

for (const [name, want] of Object.entries(VALID)) {
  test(`${name} parses: every field`, () => {
    const buf = load(name);
    const h = createRtpHeader();
    assert.is(parseRtpHeader(buf, 0, buf.length, h), RtpParseResult.OK);
    assert.equal(h, {
      marker: want.marker,
      payloadType: want.payloadType,
      sequenceNumber: want.sequenceNumber,
      timestamp: want.timestamp | 0, // the parser gives them as int32
      ssrc: want.ssrc | 0,
      csrcCount: want.csrcCount,
      payloadOffset: want.payloadOffset,
      payloadLength: want.payloadLength,
    });
  });
}

test('G.711 fixtures carry the tone: payload decodes back to it (within G.711 quantisation)', () => {
  for (const [name, decode] of [
    ['pcmu.bin', alawmulaw.mulaw.decode],
    ['pcmu-csrc.bin', alawmulaw.mulaw.decode],
    ['pcmu-extension.bin', alawmulaw.mulaw.decode],
    ['pcmu-padding.bin', alawmulaw.mulaw.decode],
    ['pcma.bin', alawmulaw.alaw.decode],
    ['pcma-csrc-extension-padding.bin', alawmulaw.alaw.decode],
  ] as const) {
    const buf = load(name);
    const h = createRtpHeader();
    parseRtpHeader(buf, 0, buf.length, h);
    const pcm = decode(buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
    const want = tone(h.payloadLength);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(pcm[i] - want[i]) <= 256, `${name}[${i}]: ${pcm[i]} vs ${want[i]}`);
  }
});

for (const [name, { result }] of Object.entries(INVALID)) {
  test(`${name} is rejected as ${result}, without throwing`, () => {
    const buf = load(name);
    const h = createRtpHeader();
    assert.is(parseRtpHeader(buf, 0, buf.length, h), RtpParseResult[result as keyof typeof RtpParseResult]);
  });
}

test('every malformed code is covered by at least one invalid fixture', () => {
  const covered = new Set(Object.values(INVALID).map((f) => f.result));
  for (const code of Object.keys(RtpParseResult)) if (code !== 'OK') assert.ok(covered.has(code), `no fixture for ${code}`);
});

test('a valid fixture cut short at every length is rejected, never read past its end', () => {
  const buf = load('pcma-csrc-extension-padding.bin');
  const h = createRtpHeader();
  for (let n = 0; n < buf.length; n++) {
    // Copy, so a read past n would see undefined rather than the real bytes.
    const cut = buf.slice(0, n);
    const r = parseRtpHeader(cut, 0, n, h);
    // Cut short, the last byte is no longer the padding count: only lengths that
    // happen to end on a valid count can parse, and then the payload stays inside.
    if (r === RtpParseResult.OK) assert.ok(h.payloadOffset + h.payloadLength <= n);
    else assert.ok(r >= RtpParseResult.TOO_SHORT && r <= RtpParseResult.BAD_PADDING);
  }
});

test.run();
