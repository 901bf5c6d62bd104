/**
 * The canonical 44-byte PCM WAV header, byte for byte against literals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  WAV_BITS_PER_SAMPLE,
  WAV_HEADER_BYTES,
  WAV_MAX_DATA_BYTES,
  WAV_SAMPLE_RATE,
  createWavHeader,
  writeWavHeader,
} from '../../src/storage/wav-header.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('constants', () => {
  assert.is(WAV_HEADER_BYTES, 44);
  assert.is(WAV_SAMPLE_RATE, 8000);
  assert.is(WAV_BITS_PER_SAMPLE, 16);
  assert.is(WAV_MAX_DATA_BYTES, 0xffffffff - 36);
});

test('mono, 8 kHz, 16-bit, 320 data bytes: byte-exact', () => {
  const h = createWavHeader(320);
  assert.instance(h, Uint8Array);
  assert.is(h.length, 44);
  assert.is(
    hex(h),
    '52494646' + '64010000' + '57415645' + // "RIFF", 36 + 320, "WAVE"
      '666d7420' + '10000000' + '0100' + '0100' + // "fmt ", 16, PCM, 1 channel
      '401f0000' + '803e0000' + '0200' + '1000' + // 8000 Hz, 16000 B/s, align 2, 16 bits
      '64617461' + '40010000', // "data", 320
  );
});

test('empty data: sizes 36 and 0', () => {
  assert.is(hex(createWavHeader(0)), '52494646240000005741564566' + '6d74201000000001000100401f0000803e00000200100064617461' + '00000000');
});

test('stereo: 2 channels, 32000 B/s, block align 4', () => {
  const h = createWavHeader(4000, 2);
  assert.is(hex(h.subarray(20, 36)), '0100' + '0200' + '401f0000' + '007d0000' + '0400' + '1000');
  assert.is(hex(h.subarray(40, 44)), 'a00f0000');
  assert.is(hex(h.subarray(4, 8)), 'c40f0000');
});

test('data sizes past what RIFF can state are clamped, not wrapped', () => {
  const h = createWavHeader(2 ** 33);
  assert.is(hex(h.subarray(4, 8)), 'ffffffff');
  assert.is(hex(h.subarray(40, 44)), 'dbffffff');
  assert.is(hex(createWavHeader(WAV_MAX_DATA_BYTES).subarray(40, 44)), 'dbffffff');
  assert.is(hex(createWavHeader(0x7fffffff).subarray(40, 44)), 'ffffff7f');
});

test('writeWavHeader writes 44 bytes at the view it is given, nothing around it', () => {
  const big = new Uint8Array(100).fill(0xee);
  const out = writeWavHeader(big.subarray(10, 54), 320);
  assert.is(out.byteOffset, 10);
  assert.is(hex(big.subarray(10, 54)), hex(createWavHeader(320)));
  assert.ok(big.subarray(0, 10).every((b) => b === 0xee));
  assert.ok(big.subarray(54).every((b) => b === 0xee));
});

test('writeWavHeader with another sample rate sets rate and byte rate', () => {
  const h = writeWavHeader(new Uint8Array(44), 0, 1, 16000);
  assert.is(hex(h.subarray(24, 32)), '803e0000' + '007d0000');
});

test.run();
