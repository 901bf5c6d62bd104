/**
 * The canonical 44-byte RIFF/WAVE header for PCM (what every player and
 * `wavefile` read). callrec writes 16-bit little-endian PCM at 8 kHz; the
 * channel count is 1 for legs and the mix.
 *
 *   0 "RIFF"  4 riffSize=36+dataBytes  8 "WAVE"
 *   12 "fmt " 16 16  20 1 (PCM)  22 channels  24 sampleRate  28 byteRate
 *   32 blockAlign  34 bitsPerSample  36 "data"  40 dataBytes
 */
export const WAV_HEADER_BYTES = 44;
export const WAV_SAMPLE_RATE = 8000;
export const WAV_BITS_PER_SAMPLE = 16;

/** Largest data size a RIFF header can state (its size fields are 32-bit). */
export const WAV_MAX_DATA_BYTES = 0xffffffff - 36;

export function writeWavHeader(out: Uint8Array, dataBytes: number, channels = 1, sampleRate = WAV_SAMPLE_RATE): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, WAV_HEADER_BYTES);
  const blockAlign = channels * (WAV_BITS_PER_SAMPLE / 8);
  const size = Math.min(dataBytes, WAV_MAX_DATA_BYTES);
  view.setUint32(0, 0x52494646, false); // "RIFF"
  view.setUint32(4, 36 + size, true);
  view.setUint32(8, 0x57415645, false); // "WAVE"
  view.setUint32(12, 0x666d7420, false); // "fmt "
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, WAV_BITS_PER_SAMPLE, true);
  view.setUint32(36, 0x64617461, false); // "data"
  view.setUint32(40, size, true);
  return out;
}

export function createWavHeader(dataBytes: number, channels = 1): Uint8Array {
  return writeWavHeader(new Uint8Array(WAV_HEADER_BYTES), dataBytes, channels);
}
