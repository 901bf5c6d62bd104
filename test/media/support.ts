/**
 * Shared by the media-path tests: start a call over HTTP, send hand-made RTP
 * on a schedule (real time: callrec places a leg's first packet at its
 * arrival, so pacing matters), hang up, and compare a leg file with the
 * segments of audio that must be in it (everything else must be silence).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as assert from 'uvu/assert';
import { RtpLeg } from '../helpers/rtp-sender.js';
import type { ServerProcess } from '../helpers/server.js';
import { readCanonicalWav } from '../helpers/wav.js';

export interface Call {
  id: string;
  incoming: number;
  outgoing: number;
}

export async function startCall(server: ServerProcess): Promise<Call> {
  const res = await server.request('POST', '/api/sessions', { caller_id: '+15550001', called_number: '+15550002' });
  assert.is(res.status, 201, res.text);
  return { id: res.body.session_id, incoming: res.body.rtp.incoming.port, outgoing: res.body.rtp.outgoing.port };
}

export async function hangup(server: ServerProcess, id: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await server.request('POST', `/api/sessions/${id}/hangup`);
  assert.is(res.status, 200, res.text);
  return res.body;
}

/** Read one of a finished session's files, checking its header on the way. */
export function readLeg(sessionsDir: string, info: { session_id: string; files: Record<string, string> }, key: string): Int16Array {
  const name = info.files[key];
  assert.ok(name, `no ${key} in ${JSON.stringify(info.files)}`);
  return readCanonicalWav(path.join(sessionsDir, info.session_id, name));
}

export interface Send {
  /** Milliseconds after the schedule starts. */
  at: number;
  data: Uint8Array;
}

/** Send each datagram from `leg`'s socket at its time (absolute schedule, no drift). */
export async function sendSchedule(leg: RtpLeg, sends: Send[]): Promise<void> {
  const ordered = [...sends].sort((a, b) => a.at - b.at);
  const t0 = performance.now();
  for (const s of ordered) {
    const wait = t0 + s.at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    leg.sendRaw(s.data);
  }
}

export interface Segment {
  start: number;
  audio: Int16Array;
}

/** Every segment is in `samples` sample for sample, and every other sample is silence. */
export function assertSegments(samples: Int16Array, segments: Segment[], what: string): void {
  const covered = new Uint8Array(samples.length);
  for (const { start, audio } of segments) {
    assert.ok(start >= 0 && start + audio.length <= samples.length, `${what}: segment [${start}, ${start + audio.length}) outside ${samples.length} samples`);
    for (let k = 0; k < audio.length; k++) {
      if (samples[start + k] !== audio[k]) {
        assert.unreachable(`${what}: sample ${start + k} (segment offset ${k}) is ${samples[start + k]}, expected ${audio[k]}`);
      }
      covered[start + k] = 1;
    }
  }
  for (let i = 0; i < samples.length; i++) {
    if (covered[i] === 0 && samples[i] !== 0) assert.unreachable(`${what}: sample ${i} should be silence, is ${samples[i]}`);
  }
}

/**
 * A leg file is as long as the call: legs are padded to the hangup, and a
 * packet sent just before it may carry its 20 ms past it (plus rounding).
 */
export function assertCallLength(samples: Int16Array, info: { duration_seconds: number }, what: string, slack = 0.035): void {
  const over = samples.length / 8000 - info.duration_seconds;
  assert.ok(over >= -0.01 && over <= slack, `${what}: ${samples.length / 8000} s of audio for a ${info.duration_seconds} s call`);
}
