/**
 * Recording controls over the real server and real RTP: the stereo file,
 * PCI pause with `silence` and with `skip`, discard on request, and
 * --min-duration.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpLeg, SAMPLES_PER_PACKET } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { assertPcm16Header, parseWavHeader } from '../helpers/wav.js';
import { findAudioStart } from '../helpers/call-check.js';
import { assertSegments, hangup, readLeg, startCall } from '../media/support.js';

let server: ServerProcess;
let dir: string;
const legs: RtpLeg[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.before(async () => {
  dir = makeTempDir('controls');
  server = await startServer({ sessionsDir: dir, rtpPorts: '37200-37299', args: ['--min-duration', '2'] });
});
test.after.each(async () => {
  await Promise.all(legs.splice(0).map((l) => l.close()));
});
test.after(() => {
  killServers();
  removeTempDirs();
});

async function callWithLegs(packets: number, body: Record<string, unknown> = {}) {
  const res = await server.request('POST', '/api/sessions', { caller_id: '+1555000', called_number: '+1555999', ...body });
  assert.is(res.status, 201, res.text);
  const id: string = res.body.session_id;
  const incoming = await RtpLeg.open({ port: res.body.rtp.incoming.port, codec: 'PCMU', seed: 1000 + legs.length, packets });
  const outgoing = await RtpLeg.open({ port: res.body.rtp.outgoing.port, codec: 'PCMA', seed: 2000 + legs.length, packets });
  legs.push(incoming, outgoing);
  return { id, incoming, outgoing };
}

/** Samples of a 16-bit WAV with `channels` channels, after checking its header. */
function readWav(file: string, channels: number): Int16Array {
  const bytes = readFileSync(file);
  const h = parseWavHeader(bytes);
  assertPcm16Header(h, `${file} header`, channels);
  assert.is(h.dataBytes, bytes.length - 44, `${file}: data size = file size - 44`);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
}

/** True when `needle` (a packet's audio) appears anywhere in `hay`, every `step`-th channel sample. */
function contains(hay: Int16Array, needle: Int16Array, step = 1, channel = 0): boolean {
  outer: for (let i = channel; i + (needle.length - 1) * step < hay.length; i += step) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k * step] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

test('stereo: left is the incoming leg and right the outgoing leg, sample for sample', async () => {
  const call = await callWithLegs(125, { stereo: true }); // 2.5 s: longer than --min-duration
  await Promise.all([call.incoming.start(), call.outgoing.start(300)]);
  const info = await hangup(server, call.id);
  assert.ok(info.files.stereo_audio?.startsWith('stereo_'), JSON.stringify(info.files));
  const incoming = readLeg(dir, info, 'incoming_audio');
  const outgoing = readLeg(dir, info, 'outgoing_audio');
  const stereo = readWav(path.join(dir, call.id, info.files.stereo_audio), 2);
  assert.is(stereo.length, 2 * Math.max(incoming.length, outgoing.length));
  for (let n = 0; n < stereo.length / 2; n++) {
    if (stereo[2 * n] !== (incoming[n] ?? 0) || stereo[2 * n + 1] !== (outgoing[n] ?? 0)) {
      assert.unreachable(`stereo frame ${n} is (${stereo[2 * n]}, ${stereo[2 * n + 1]}), legs say (${incoming[n]}, ${outgoing[n]})`);
    }
  }
  assert.ok(findAudioStart(outgoing) - findAudioStart(incoming) > 1800, 'the outgoing leg started 300 ms later, and stays there');
  const listed = await server.request('GET', `/api/recordings/${call.id}`);
  assert.is(listed.body.recording.audio_files.stereo_audio.filename, info.files.stereo_audio);
});

async function pausedCall(behavior: 'silence' | 'skip') {
  const call = await callWithLegs(150); // 3 s
  const sending = Promise.all([call.incoming.start(), call.outgoing.start()]);
  await sleep(1000);
  const pause = await server.request('POST', `/api/sessions/${call.id}/pause`, { behavior });
  assert.is(pause.status, 200, pause.text);
  const pausedAt = [call.incoming.sent, call.outgoing.sent];
  const again = await server.request('POST', `/api/sessions/${call.id}/pause`, { behavior: behavior === 'skip' ? 'silence' : 'skip' });
  assert.is(again.status, 200, 'pausing a paused call is 200');
  assert.is(again.body.session.paused, behavior, 'and changes nothing');
  await sleep(1000);
  const resumedAt = [call.incoming.sent, call.outgoing.sent];
  assert.is((await server.request('POST', `/api/sessions/${call.id}/resume`)).status, 200);
  await sending;
  const info = await hangup(server, call.id);
  assert.is(info.pauses.length, 1, 'one pause interval recorded');
  assert.is(info.pauses[0].behavior, behavior);
  const span = Date.parse(info.pauses[0].end) - Date.parse(info.pauses[0].start);
  assert.ok(span > 900 && span < 1300, `pause lasted ${span} ms`);
  return { call, info, pausedAt, resumedAt };
}

/** Packets surely sent while paused (a margin of 3 packets each side for timing). */
function surelyPaused(pausedAt: number, resumedAt: number): number[] {
  const out: number[] = [];
  for (let i = pausedAt + 3; i < resumedAt - 3; i++) out.push(i);
  return out;
}

function packetAudio(leg: RtpLeg, i: number): Int16Array {
  return leg.expected(leg.packets).subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET);
}

test('pause with "silence": the paused span is silence in every file, the timeline goes on', async () => {
  const { call, info, pausedAt, resumedAt } = await pausedCall('silence');
  const incoming = readLeg(dir, info, 'incoming_audio');
  const outgoing = readLeg(dir, info, 'outgoing_audio');
  const mixed = readLeg(dir, info, 'mixed_audio');
  for (const [leg, samples, k] of [[call.incoming, incoming, 0], [call.outgoing, outgoing, 1]] as const) {
    const start = findAudioStart(samples);
    // Every packet is either exactly in its slot or (paused) entirely silent.
    const expected = leg.expected(leg.packets);
    let missing = 0;
    for (let i = 0; i < leg.packets; i++) {
      const at = start + i * SAMPLES_PER_PACKET;
      const slot = samples.subarray(at, at + SAMPLES_PER_PACKET);
      if (slot.every((v) => v === 0)) missing++;
      else assert.equal(Array.from(slot), Array.from(expected.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET)), `packet ${i} in place`);
    }
    const paused = surelyPaused(pausedAt[k], resumedAt[k]);
    for (const i of paused) {
      const at = start + i * SAMPLES_PER_PACKET;
      assert.ok(samples.subarray(at, at + SAMPLES_PER_PACKET).every((v) => v === 0), `packet ${i}, sent while paused, is silence`);
    }
    assert.ok(missing >= paused.length && missing <= paused.length + 10, `${missing} silent slots for ~${paused.length + 6} paused packets`);
    if (k === 0) {
      // Both legs were paused together: the mix is silent over the paused span too.
      for (const i of paused.slice(2, -2)) {
        const at = start + i * SAMPLES_PER_PACKET;
        assert.ok(mixed.subarray(at, at + SAMPLES_PER_PACKET).every((v) => v === 0), `mixed slot of packet ${i} is silence`);
      }
    }
  }
  assert.is(info.stats.incoming.dropped.paused + info.stats.incoming.recorded, call.incoming.sent, 'paused packets counted');
  assert.ok(info.stats.incoming.dropped.paused > 0, 'some packets were dropped while paused');
  assert.is(info.stats.incoming.lost, 0, 'packets dropped while paused are not counted as lost');
  assert.is(info.stats.outgoing.lost, 0, 'nor on the other leg');
});

test('pause with "skip": the paused span is left out of every file and the legs stay aligned', async () => {
  const call = await callWithLegs(150, { stereo: true });
  const sending = Promise.all([call.incoming.start(), call.outgoing.start()]);
  await sleep(1000);
  assert.is((await server.request('POST', `/api/sessions/${call.id}/pause`, { behavior: 'skip' })).status, 200);
  const pausedAt = [call.incoming.sent, call.outgoing.sent];
  await sleep(1000);
  const resumedAt = [call.incoming.sent, call.outgoing.sent];
  assert.is((await server.request('POST', `/api/sessions/${call.id}/resume`)).status, 200);
  await sending;
  const info = await hangup(server, call.id);
  const incoming = readLeg(dir, info, 'incoming_audio');
  const outgoing = readLeg(dir, info, 'outgoing_audio');
  const mixed = readLeg(dir, info, 'mixed_audio');
  const stereo = readWav(path.join(dir, call.id, info.files.stereo_audio), 2);
  assert.ok(incoming.length / 8000 < info.duration_seconds - 0.8, `${incoming.length / 8000} s of audio for a ${info.duration_seconds} s call with 1 s skipped`);
  for (const [leg, samples, k] of [[call.incoming, incoming, 0], [call.outgoing, outgoing, 1]] as const) {
    for (const i of surelyPaused(pausedAt[k], resumedAt[k])) {
      const audio = packetAudio(leg, i);
      assert.not.ok(contains(samples, audio), `paused packet ${i} is absent from the ${k ? 'outgoing' : 'incoming'} leg`);
      assert.not.ok(contains(stereo, audio, 2, k), `paused packet ${i} is absent from the stereo file`);
    }
    // The first packets after the pause follow the last ones before it: the ~1 s pause is not in the file.
    // (The pause is measured by the server, the packet counts by the test: allow 400 ms for a busy machine.)
    const before = findPacket(samples, packetAudio(leg, pausedAt[k] - 4));
    const after = findPacket(samples, packetAudio(leg, resumedAt[k] + 4));
    assert.ok(before >= 0 && after > before, `packets around the pause found (${before}, ${after})`);
    const gap = after - before - (resumedAt[k] + 4 - (pausedAt[k] - 4)) * SAMPLES_PER_PACKET;
    assert.ok(gap > -8000 * 1.4 && gap < -8000 * 0.6, `the timeline lost ${-gap / 8} ms around a ~1000 ms skipped pause`);
  }
  // Aligned: the legs were sent together, so their audio after the pause is still together.
  const i = resumedAt[0] + 5;
  const inAt = findPacket(incoming, packetAudio(call.incoming, i));
  const outAt = findPacket(outgoing, packetAudio(call.outgoing, i));
  assert.ok(inAt >= 0 && outAt >= 0 && Math.abs(inAt - outAt) <= 480, `packet ${i}: incoming at ${inAt}, outgoing at ${outAt}`);
  assert.is(mixed.length, incoming.length);
});

function findPacket(samples: Int16Array, audio: Int16Array): number {
  for (let s = 0; s + audio.length <= samples.length; s++) {
    let k = 0;
    while (k < audio.length && samples[s + k] === audio[k]) k++;
    if (k === audio.length) return s;
  }
  return -1;
}

test('discard on request: the files go at once, the call goes on unrecorded, nothing is listed', async () => {
  const call = await callWithLegs(100);
  const sending = Promise.all([call.incoming.start(), call.outgoing.start()]);
  await sleep(700);
  const res = await server.request('POST', `/api/sessions/${call.id}/discard`);
  assert.is(res.status, 200, res.text);
  assert.is(res.body.session.discarded, true);
  assert.not.ok(existsSync(path.join(dir, call.id)), 'the session directory is gone');
  const live = await server.request('GET', '/api/sessions');
  assert.ok(live.body.sessions.some((s: { session_id: string }) => s.session_id === call.id), 'the call goes on');
  await sending;
  const info = await hangup(server, call.id);
  assert.is(info.status, 'discarded');
  assert.is(info.discard_reason, 'requested');
  assert.not.ok(existsSync(path.join(dir, call.id)), 'nothing written after the discard');
  assert.is((await server.request('GET', `/api/recordings/${call.id}`)).status, 404);
});

test('--min-duration: a call shorter than that is deleted at hangup; a longer one is kept', async () => {
  const short = await callWithLegs(10);
  await Promise.all([short.incoming.start(), short.outgoing.start()]);
  const gone = await hangup(server, short.id);
  assert.is(gone.status, 'discarded');
  assert.is(gone.discard_reason, 'min_duration');
  assert.not.ok(existsSync(path.join(dir, short.id)));
  assert.is((await server.request('GET', `/api/recordings/${short.id}`)).status, 404);

  const long = await callWithLegs(125); // 2.5 s
  await Promise.all([long.incoming.start(), long.outgoing.start()]);
  const kept = await hangup(server, long.id);
  assert.is(kept.status, 'completed');
  assert.is((await server.request('GET', `/api/recordings/${long.id}`)).status, 200);
});

test('controls on an unknown or invalid session are 404; a bad behavior is 400', async () => {
  assert.is((await server.request('POST', '/api/sessions/nope/pause', {})).status, 404);
  assert.is((await server.request('POST', '/api/sessions/nope/resume')).status, 404);
  assert.is((await server.request('POST', '/api/sessions/nope/discard')).status, 404);
  const call = await callWithLegs(1);
  const bad = await server.request('POST', `/api/sessions/${call.id}/pause`, { behavior: 'mute' });
  assert.is(bad.status, 400);
  assert.match(bad.body.error, /behavior/);
  await hangup(server, call.id);
});

test.run();
