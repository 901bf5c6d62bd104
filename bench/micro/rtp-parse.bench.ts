/** parseRtpHeader (src/rtp/header.ts): the workers parse every packet with it. */
import { createRtpHeader, parseRtpHeader } from '../../src/rtp/index.js';
import { bench, consume, rtpPacket } from './harness.js';

const FILE = 'rtp-parse';
const out = createRtpHeader();
const plain = rtpPacket(160);
const withCsrc = rtpPacket(160, 0, 1, 160, 2);
const withExt = rtpPacket(160, 0, 1, 160, 0, 2);
// Many packets side by side in one buffer, as in the ring.
const ring = new Uint8Array(176 * 1024);
for (let i = 0; i < 1024; i++) ring.set(rtpPacket(160, 0, i, i * 160), i * 176);

bench(FILE, 'parseRtpHeader 172-byte PCMU packet', () => consume(parseRtpHeader(plain, 0, plain.length, out) + out.payloadLength));
bench(FILE, 'parseRtpHeader with 2 CSRCs', () => consume(parseRtpHeader(withCsrc, 0, withCsrc.length, out) + out.payloadLength));
bench(FILE, 'parseRtpHeader with a 2-word extension', () => consume(parseRtpHeader(withExt, 0, withExt.length, out) + out.payloadLength));
let k = 0;
bench(FILE, 'parseRtpHeader walking 1,024 packets in one buffer', () => {
  k = (k + 1) & 1023;
  consume(parseRtpHeader(ring, k * 176, 172, out) + out.sequenceNumber);
});
