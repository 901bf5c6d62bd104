/**
 * SPEC §3 timeline, over real UDP to the real server: loss, reordering,
 * duplicates, timestamp wrap, SSRC change, silence suppression and forged
 * timestamp jumps. Each case compares the leg file sample for sample with
 * where the audio must land, and checks that everything else is silence.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../helpers/prng.js';
import { RtpLeg, SAMPLES_PER_PACKET, buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { findAudioStart } from '../helpers/call-check.js';
import { assertCallLength, assertSegments, hangup, readLeg, sendSchedule, startCall } from './support.js';
import type { Send } from './support.js';

const N = 100; // 2 s per leg
const MS = 20;
/** Real scheduling jitter allowed where arrival time decides a position (60 ms). */
const JITTER = 480;

let server: ServerProcess;
let dir: string;
const legs: RtpLeg[] = [];

async function openLeg(port: number, seed: number, extra: Partial<Parameters<typeof RtpLeg.open>[0]> = {}): Promise<RtpLeg> {
  const leg = await RtpLeg.open({ port, codec: 'PCMU', seed, packets: N, ...extra });
  legs.push(leg);
  return leg;
}

/** In-order sends of packets [from, to) of `leg`, the first at `at0`. */
function inOrder(leg: RtpLeg, from = 0, to = leg.packets, at0 = 0): Send[] {
  const sends: Send[] = [];
  for (let i = from; i < to; i++) sends.push({ at: at0 + (i - from) * MS, data: leg.packet(i) });
  return sends;
}

test.before(async () => {
  dir = makeTempDir('media-timeline');
  server = await startServer({ sessionsDir: dir, rtpPorts: '37000-37099' });
});

test.after.each(async () => {
  await Promise.all(legs.splice(0).map((l) => l.close()));
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('5% random loss: lost 20 ms slots are silence, received slots bit-exact, file as long as the call', async () => {
  const call = await startCall(server);
  const lossy = await openLeg(call.incoming, 11);
  const clean = await openLeg(call.outgoing, 12);
  const next = createPrng(5);
  const lost = new Set<number>();
  for (let i = 1; i < N; i++) if (next() % 100 < 5) lost.add(i);
  assert.ok(lost.size >= 2, 'the seed must drop some packets');
  await Promise.all([sendSchedule(lossy, inOrder(lossy).filter((_, i) => !lost.has(i))), sendSchedule(clean, inOrder(clean))]);
  const info = await hangup(server, call.id);

  const incoming = readLeg(dir, info, 'incoming_audio');
  const outgoing = readLeg(dir, info, 'outgoing_audio');
  const start = findAudioStart(incoming);
  const expected = lossy.expected(N);
  for (const i of lost) expected.fill(0, i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET);
  assertSegments(incoming, [{ start, audio: expected }], 'lossy leg');
  assertCallLength(incoming, info, 'lossy leg');
  assertCallLength(outgoing, info, 'clean leg');
  assert.is(incoming.length, outgoing.length, 'both legs share one length');
  assert.ok(Math.abs(findAudioStart(outgoing) - start) <= JITTER, 'legs started together stay aligned');
  assert.is(info.stats.incoming.lost, lost.size, 'lost packets counted');
  assert.is(info.stats.incoming.recorded, N - lost.size);
});

test('adjacent and far (1 s) reordering give the same file as in-order delivery', async () => {
  const call = await startCall(server);
  const adjacent = await openLeg(call.incoming, 21);
  const far = await openLeg(call.outgoing, 22);
  // Adjacent: every pair swapped.
  const swapped = inOrder(adjacent).map((s, i) => ({ at: (i % 2 === 0 ? i + 1 : i - 1) * MS, data: s.data }));
  swapped[0].at = 0; // the first packet still opens the leg
  swapped[1].at = 1;
  // Far: packets 10-19 held back one second.
  const held = inOrder(far).map((s, i) => (i >= 10 && i < 20 ? { at: s.at + 1000, data: s.data } : s));
  await Promise.all([sendSchedule(adjacent, swapped), sendSchedule(far, held)]);
  const info = await hangup(server, call.id);

  const a = readLeg(dir, info, 'incoming_audio');
  assertSegments(a, [{ start: findAudioStart(a), audio: adjacent.expected(N) }], 'adjacent reordering');
  const f = readLeg(dir, info, 'outgoing_audio');
  assertSegments(f, [{ start: findAudioStart(f), audio: far.expected(N) }], 'far reordering');
  assert.ok(info.stats.incoming.late >= 40, `late packets counted on the adjacent leg: ${info.stats.incoming.late}`);
  assert.is(info.stats.outgoing.late, 10, 'the ten held-back packets are late');
  assert.is(info.stats.outgoing.lost, 0, 'late is not lost');
});

test('duplicates change nothing and are counted', async () => {
  const call = await startCall(server);
  const leg = await openLeg(call.incoming, 31);
  const sends = inOrder(leg);
  let copies = 0;
  for (let i = 0; i < N; i++) {
    sends.push({ at: i * MS + 5, data: leg.packet(i) });
    copies++;
    if (i % 10 === 0) {
      sends.push({ at: i * MS + 300, data: leg.packet(i) }); // a late duplicate, after the window moved on
      copies++;
    }
  }
  await sendSchedule(leg, sends);
  const info = await hangup(server, call.id);
  const samples = readLeg(dir, info, 'incoming_audio');
  assertSegments(samples, [{ start: findAudioStart(samples), audio: leg.expected(N) }], 'duplicated leg');
  assert.is(info.stats.incoming.duplicates, copies);
  assert.is(info.stats.incoming.recorded, N);
});

test('RTP timestamp and sequence numbers wrapping mid-call', async () => {
  const call = await startCall(server);
  const leg = await openLeg(call.incoming, 41, { firstTimestamp: 2 ** 32 - 30 * SAMPLES_PER_PACKET, firstSequence: 65536 - 40 });
  await sendSchedule(leg, inOrder(leg));
  const info = await hangup(server, call.id);
  const samples = readLeg(dir, info, 'incoming_audio');
  assertSegments(samples, [{ start: findAudioStart(samples), audio: leg.expected(N) }], 'wrapping leg');
  assert.is(info.stats.incoming.reanchored, 0, 'a wrap is not a jump');
  assert.is(info.stats.incoming.lost, 0, 'a sequence wrap is not loss');
});

test('a new SSRC mid-call re-anchors at its arrival: no overlap, no gap beyond the real pause', async () => {
  const call = await startCall(server);
  const first = await openLeg(call.incoming, 51, { packets: 50 });
  const sends = inOrder(first);
  // A transfer: after a 500 ms pause, a new source (new SSRC, unrelated seq and ts) on the same socket.
  const second = { ssrc: 0x0badcafe, seq: 777, ts: 123456789 };
  const codes = (await openLeg(call.outgoing, 52, { packets: 50 })).codes;
  const secondAudio = legs[1].expected(50);
  for (let i = 0; i < 50; i++) {
    const data = buildRtpPacket({
      payloadType: 0,
      sequenceNumber: second.seq + i,
      timestamp: second.ts + i * SAMPLES_PER_PACKET,
      ssrc: second.ssrc,
      marker: i === 0,
      payload: codes.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET),
    });
    sends.push({ at: 1000 + 500 + i * MS, data });
  }
  await sendSchedule(first, sends);
  const info = await hangup(server, call.id);
  const samples = readLeg(dir, info, 'incoming_audio');
  const start1 = findAudioStart(samples);
  const end1 = start1 + 50 * SAMPLES_PER_PACKET;
  const start2 = findAudioStart(samples, end1);
  assertSegments(samples, [{ start: start1, audio: first.expected(50) }, { start: start2, audio: secondAudio }], 'SSRC change');
  const pause = start2 - end1;
  assert.ok(Math.abs(pause - 4000) <= JITTER, `the 500 ms pause is ${pause / 8} ms on the timeline`);
  assert.is(info.stats.incoming.ssrc_changes, 1);
});

test('silence suppression: 3 s without packets, resumed with the timestamp 3 s later, stays aligned', async () => {
  const call = await startCall(server);
  const talker = await openLeg(call.incoming, 61, { packets: 50 });
  const steady = await openLeg(call.outgoing, 62, { packets: 250 }); // 5 s, never silent
  const sends = inOrder(talker);
  for (let i = 0; i < 25; i++) {
    // DTX: the sequence continues, the timestamp jumps by the 3 s not sent, marker on the first.
    const data = buildRtpPacket({
      payloadType: 0,
      sequenceNumber: talker.firstSequence + 50 + i,
      timestamp: talker.firstTimestamp + (50 + 150 + i) * SAMPLES_PER_PACKET,
      ssrc: talker.ssrc,
      marker: i === 0,
      payload: talker.codes.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET),
    });
    sends.push({ at: (50 + 150 + i) * MS, data });
  }
  await Promise.all([sendSchedule(talker, sends), sendSchedule(steady, inOrder(steady))]);
  const info = await hangup(server, call.id);
  const incoming = readLeg(dir, info, 'incoming_audio');
  const outgoing = readLeg(dir, info, 'outgoing_audio');
  const start = findAudioStart(incoming);
  const resumed = start + 200 * SAMPLES_PER_PACKET;
  assertSegments(
    incoming,
    [
      { start, audio: talker.expected(50) },
      { start: resumed, audio: talker.expected(25) },
    ],
    'silence-suppressed leg',
  );
  assert.ok(Math.abs(findAudioStart(outgoing) - start) <= JITTER, 'legs aligned at the start');
  assert.is(info.stats.incoming.reanchored, 0, 'a timestamp that agrees with the clock is not re-anchored');
  assertCallLength(incoming, info, 'silence-suppressed leg');
});

test('a timestamp jumping 10 minutes ahead re-anchors: the file does not grow by 10 minutes', async () => {
  const call = await startCall(server);
  const leg = await openLeg(call.incoming, 71);
  const jump = 10 * 60 * 8000;
  const sends = inOrder(leg, 0, 50);
  for (let i = 50; i < N; i++) {
    const data = buildRtpPacket({
      payloadType: 0,
      sequenceNumber: leg.firstSequence + i,
      timestamp: leg.firstTimestamp + i * SAMPLES_PER_PACKET + jump,
      ssrc: leg.ssrc,
      payload: leg.codes.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET),
    });
    sends.push({ at: i * MS, data });
  }
  await sendSchedule(leg, sends);
  const info = await hangup(server, call.id);
  const samples = readLeg(dir, info, 'incoming_audio');
  // Re-anchored at an arrival time, so scheduling jitter on a busy machine adds to the end.
  assertCallLength(samples, info, 'jumping leg', 0.25);
  assert.ok(samples.length < 5 * 8000, `${samples.length} samples: the forged jump grew the file`);
  assert.is(info.stats.incoming.reanchored, 1);
  // The second half lands at its arrival time, right after the first half (within jitter).
  const start = findAudioStart(samples);
  const expected = leg.expected(N);
  const half = 50 * SAMPLES_PER_PACKET;
  let found = -1;
  for (let s = start + half - JITTER; s <= start + half + JITTER; s++) {
    if (samples[s] === expected[half] && samples[s + 1] === expected[half + 1] && samples[s + 2] === expected[half + 2]) found = s;
  }
  assert.ok(found >= 0, 'second half found near its arrival time');
  assert.equal(Array.from(samples.subarray(found, found + half)), Array.from(expected.subarray(half)), 'second half bit-exact');
});

test('a leg that goes silent is ended by the RTP timeout only when both legs are silent', async () => {
  // Covered in test/robustness/timeout.test.ts with --rtp-timeout 1; here: counters are live while a call runs.
  const call = await startCall(server);
  const leg = await openLeg(call.incoming, 81, { packets: 20 });
  await sendSchedule(leg, inOrder(leg));
  await new Promise((r) => setTimeout(r, 300));
  const live = await server.request('GET', '/api/sessions');
  const mine = live.body.sessions.find((s: { session_id: string }) => s.session_id === call.id);
  assert.ok(mine, 'the call is listed while it runs');
  assert.is(mine.legs.incoming.packets, 20);
  assert.is(mine.legs.incoming.recorded, 20, 'worker counters are live');
  assert.is(mine.legs.outgoing.packets, 0);
  await hangup(server, call.id);
});

test.run();
