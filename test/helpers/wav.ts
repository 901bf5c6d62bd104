/**
 * Reading callrec's WAV files back: the 44-byte canonical header checked
 * byte by byte (as a strict player would), the samples decoded by the
 * `wavefile` package (not by callrec's code).
 */
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import * as wavefileModule from 'wavefile';

/** Named export under CommonJS (how uvu loads tests via tsx), on `default` under ESM. */
const { WaveFile } = (wavefileModule as unknown as { WaveFile?: unknown }).WaveFile !== undefined
  ? wavefileModule
  : (wavefileModule as unknown as { default: typeof wavefileModule }).default;

export const WAV_HEADER_BYTES = 44;

export interface WavHeader {
  riff: string;
  riffSize: number;
  wave: string;
  fmtId: string;
  fmtSize: number;
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  dataId: string;
  dataBytes: number;
}

export function parseWavHeader(bytes: Uint8Array): WavHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  return {
    riff: tag(0),
    riffSize: view.getUint32(4, true),
    wave: tag(8),
    fmtId: tag(12),
    fmtSize: view.getUint32(16, true),
    format: view.getUint16(20, true),
    channels: view.getUint16(22, true),
    sampleRate: view.getUint32(24, true),
    byteRate: view.getUint32(28, true),
    blockAlign: view.getUint16(32, true),
    bitsPerSample: view.getUint16(34, true),
    dataId: tag(36),
    dataBytes: view.getUint32(40, true),
  };
}

/**
 * Assert the format part of a canonical header: RIFF/WAVE, a 16-byte PCM fmt
 * chunk at 12 for 8 kHz 16-bit with `channels` channels, the data chunk at 36.
 * (Sizes are the caller's to check: exact for a finished file, bounded for a crashed one.)
 */
export function assertPcm16Header(h: WavHeader, where: string, channels = 1): void {
  assert.is(h.riff, 'RIFF', `${where}: RIFF`);
  assert.is(h.wave, 'WAVE', `${where}: WAVE`);
  assert.is(h.fmtId, 'fmt ', `${where}: fmt chunk at 12`);
  assert.is(h.fmtSize, 16, `${where}: fmt size`);
  assert.is(h.format, 1, `${where}: PCM`);
  assert.is(h.channels, channels, `${where}: ${channels} channel(s)`);
  assert.is(h.sampleRate, 8000, `${where}: 8000 Hz`);
  assert.is(h.bitsPerSample, 16, `${where}: 16-bit`);
  assert.is(h.blockAlign, 2 * channels, `${where}: block align`);
  assert.is(h.byteRate, 16000 * channels, `${where}: byte rate`);
  assert.is(h.dataId, 'data', `${where}: data chunk at 36`);
}

/**
 * Assert `file` is a canonical PCM 8 kHz 16-bit mono WAV whose header states
 * exactly the file's size, and return its samples (decoded by wavefile).
 */
export function readCanonicalWav(file: string): Int16Array {
  const bytes = readFileSync(file);
  assert.ok(bytes.length >= WAV_HEADER_BYTES, `${file}: ${bytes.length} bytes, shorter than a WAV header`);
  const h = parseWavHeader(bytes);
  const where = `${file} header`;
  assertPcm16Header(h, where);
  assert.is(h.dataBytes, bytes.length - WAV_HEADER_BYTES, `${where}: data size = file size - 44`);
  assert.is(h.riffSize, bytes.length - 8, `${where}: RIFF size = file size - 8`);

  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  assert.is(wav.container, 'RIFF');
  assert.is(fmt.numChannels, 1);
  assert.is(fmt.sampleRate, 8000);
  assert.is(fmt.bitsPerSample, 16);
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  assert.is(samples.length, h.dataBytes / 2, `${file}: wavefile decoded ${samples.length} samples, header says ${h.dataBytes / 2}`);
  return samples;
}
