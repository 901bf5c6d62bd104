/**
 * Checking a recorded call against what was sent:
 *   - each leg file is a canonical WAV: silence, then exactly the reference
 *     decoding of the packets sent, starting at the leg's arrival offset;
 *   - the mix is floor((in[n] + out[n]) / 2) over the longer leg, a missing
 *     sample counting as 0.
 */
import path from 'node:path';
import * as assert from 'uvu/assert';
import { SAMPLES_PER_PACKET } from './rtp-sender.js';
import type { RtpLeg } from './rtp-sender.js';
import { readCanonicalWav } from './wav.js';

/**
 * Where `expected` starts in `samples` at or after `from`, or -1 (the first
 * non-zero sample, since no sent sample is 0).
 */
export function findAudioStart(samples: Int16Array, from = 0): number {
  for (let n = from; n < samples.length; n++) if (samples[n] !== 0) return n;
  return -1;
}

function describeMismatch(samples: Int16Array, expected: Int16Array, offset: number, at: number): string {
  const got = Array.from(samples.subarray(offset + at, offset + at + 6));
  const want = Array.from(expected.subarray(at, at + 6));
  return `sample ${at} of the sent audio (file sample ${offset + at}, packet ${Math.floor(at / 160)}): got [${got}] want [${want}]`;
}

/**
 * Assert `samples` = zeros, then exactly `expected`, then only zeros (a leg
 * may be padded with silence to the end of the call, never with audio).
 * With `maxSamples` (the call's length on the timeline), the file must not
 * be longer than that. Returns the offset (samples since the session's
 * start) of the audio.
 */
export function assertLegAudio(samples: Int16Array, expected: Int16Array, label: string, maxSamples = Number.POSITIVE_INFINITY): number {
  assert.ok(expected.length > 0, `${label}: nothing was sent`);
  assert.ok(expected[0] !== 0, `${label}: the sent audio must not start with 0`);
  const offset = findAudioStart(samples);
  assert.ok(offset >= 0, `${label}: the file holds only silence (${samples.length} samples), ${expected.length} samples were sent`);
  for (let i = 0; i < expected.length; i++) {
    if (offset + i >= samples.length) {
      assert.unreachable(`${label}: file ends after ${i} of ${expected.length} sent samples (offset ${offset}, length ${samples.length})`);
    }
    if (samples[offset + i] !== expected[i]) assert.unreachable(`${label}: ${describeMismatch(samples, expected, offset, i)}`);
  }
  for (let n = offset + expected.length; n < samples.length; n++) {
    if (samples[n] !== 0) {
      assert.unreachable(`${label}: sample ${n} is ${samples[n]}, after the ${expected.length} sent samples (offset ${offset}) only silence may follow`);
    }
  }
  assert.ok(samples.length <= maxSamples, `${label}: ${samples.length} samples, longer than the call (${maxSamples} samples)`);
  return offset;
}

/**
 * For a leg cut short (shutdown): how many whole packets of `leg`'s sent
 * audio the file holds. Asserts silence before the audio, an exact match of
 * every sample recorded, whole packets only, and only silence after.
 */
export function countRecordedPackets(samples: Int16Array, leg: RtpLeg, label: string): number {
  const sent = leg.expected();
  const offset = findAudioStart(samples);
  if (offset < 0) return 0;
  let n = 0;
  while (offset + n < samples.length && samples[offset + n] !== 0) {
    assert.ok(n < sent.length, `${label}: more audio in the file than the ${sent.length} samples sent`);
    if (samples[offset + n] !== sent[n]) assert.unreachable(`${label}: ${describeMismatch(samples, sent, offset, n)}`);
    n++;
  }
  assert.is(n % SAMPLES_PER_PACKET, 0, `${label}: ${n} samples recorded, not whole packets`);
  assertLegAudio(samples, sent.subarray(0, n), label);
  return n / SAMPLES_PER_PACKET;
}

/**
 * SPEC §3: no packet places audio beyond the session's elapsed time plus
 * 1 s (a leg is anchored at its first packet's arrival, so audio may run a
 * little past end_time when that packet was late), plus 1 ms for rounding.
 */
export function maxCallSamples(startIso: string, endIso: string): number {
  return samplesBetween(startIso, endIso) + 8000 + 8;
}

/** Samples (8 kHz) between two ISO times with microseconds, e.g. start_time and end_time. */
export function samplesBetween(startIso: string, endIso: string): number {
  return Math.round((isoMicros(endIso) - isoMicros(startIso)) / 125);
}

/** µs since the epoch of an ISO 8601 UTC time, keeping digits past the millisecond. */
export function isoMicros(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  assert.ok(m !== null, `not an ISO 8601 UTC time: ${iso}`);
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(fraction);
}

/** Assert `mixed` = floor((a[n] + b[n]) / 2) for n < max(len), a missing sample being 0. */
export function assertMix(mixed: Int16Array, a: Int16Array, b: Int16Array, label: string): void {
  const length = Math.max(a.length, b.length);
  assert.is(mixed.length, length, `${label}: mixed length = the longer leg`);
  for (let n = 0; n < length; n++) {
    const want = Math.floor(((n < a.length ? a[n] : 0) + (n < b.length ? b[n] : 0)) / 2);
    if (mixed[n] !== want) assert.unreachable(`${label}: mixed[${n}] = ${mixed[n]}, want floor((${a[n]} + ${b[n]}) / 2) = ${want}`);
  }
}

export interface RecordedFiles {
  incoming_audio: string;
  outgoing_audio: string;
  mixed_audio?: string;
  [key: string]: string | undefined;
}

export interface CallCheck {
  incomingOffset: number;
  outgoingOffset: number;
  incoming: Int16Array;
  outgoing: Int16Array;
  mixed: Int16Array;
}

/**
 * Check a finished call's three files in `sessionDir` (names from
 * session_info.json's `files`) against the legs' sent audio. `packets` says
 * how many packets of each leg must be in the file (default: all sent);
 * `times` (start_time, end_time) bounds the files' length (maxCallSamples).
 */
export function checkRecordedCall(
  sessionDir: string,
  files: RecordedFiles,
  legs: { incoming: RtpLeg; outgoing: RtpLeg },
  packets: { incoming?: number; outgoing?: number } = {},
  times?: { start_time: string; end_time: string },
): CallCheck {
  const id = path.basename(sessionDir);
  assert.type(files.mixed_audio, 'string', `${id}: files.mixed_audio`);
  const incoming = readCanonicalWav(path.join(sessionDir, files.incoming_audio));
  const outgoing = readCanonicalWav(path.join(sessionDir, files.outgoing_audio));
  const mixed = readCanonicalWav(path.join(sessionDir, files.mixed_audio as string));
  const maxSamples = times === undefined ? Number.POSITIVE_INFINITY : maxCallSamples(times.start_time, times.end_time);
  const incomingOffset = assertLegAudio(incoming, legs.incoming.expected(packets.incoming), `${id} incoming (${legs.incoming.codec})`, maxSamples);
  const outgoingOffset = assertLegAudio(outgoing, legs.outgoing.expected(packets.outgoing), `${id} outgoing (${legs.outgoing.codec})`, maxSamples);
  assertMix(mixed, incoming, outgoing, `${id} mixed`);
  return { incomingOffset, outgoingOffset, incoming, outgoing, mixed };
}
