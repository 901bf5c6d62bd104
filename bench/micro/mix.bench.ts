/** mixAverage (src/audio/mix.ts): the mix's inner loop, per sample, on a 64 Ki-sample chunk as wav-mix.ts uses. */
import { mixAverage } from '../../src/audio/index.js';
import { bench, consume } from './harness.js';

const FILE = 'mix';
const N = 1 << 16;
const a = new Int16Array(N).map((_, i) => (i * 7) & 0x7fff);
const b = new Int16Array(N).map((_, i) => -((i * 13) & 0x7fff));
const out = new Int16Array(N);
bench(FILE, 'mixAverage 2 legs, per sample (64 Ki chunk)', () => {
  mixAverage([a, b], [N, N], out, N);
  consume(out[123]);
}, { opsPerCall: N });
bench(FILE, 'mixAverage 2 legs, one shorter, per sample', () => {
  mixAverage([a, b], [N, N >> 1], out, N);
  consume(out[123]);
}, { opsPerCall: N });
