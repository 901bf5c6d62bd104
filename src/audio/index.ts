export { MULAW_TO_PCM, ALAW_TO_PCM, decodeG711 } from './g711.js';
export { mixAverage } from './mix.js';
export { interleaveStereo } from './stereo.js';
