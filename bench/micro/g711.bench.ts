/** decodeG711 (src/audio/g711.ts): table decode of one 20 ms payload, against alawmulaw's own decoder. */
import alawmulaw from 'alawmulaw';
import { ALAW_TO_PCM, MULAW_TO_PCM, decodeG711 } from '../../src/audio/index.js';
import { bench, consume } from './harness.js';

const FILE = 'g711';
const payload = new Uint8Array(160);
for (let i = 0; i < 160; i++) payload[i] = (i * 73 + 11) & 0xff;
const big = new Uint8Array(172 * 64);
for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
const dst = new Int16Array(16000);

bench(FILE, 'decodeG711 µ-law, 160 samples (one packet)', () => {
  decodeG711(MULAW_TO_PCM, payload, 0, 160, dst, 0);
  consume(dst[17]);
});
bench(FILE, 'decodeG711 A-law, 160 samples (one packet)', () => {
  decodeG711(ALAW_TO_PCM, payload, 0, 160, dst, 0);
  consume(dst[17]);
});
let k = 0;
bench(FILE, 'decodeG711 µ-law, 160 samples at moving offsets', () => {
  k = (k + 1) & 63;
  decodeG711(MULAW_TO_PCM, big, k * 172 + 12, 160, dst, (k * 160) % 15840);
  consume(dst[k]);
});
bench(FILE, 'alawmulaw.mulaw.decode, 160 samples (reference)', () => consume(alawmulaw.mulaw.decode(payload)[17]));
