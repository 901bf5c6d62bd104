/**
 * Crash safety and recovery (issue 4, SPEC §4). Two calls send real-time
 * audio; the server is SIGKILLed about 3 s in. Every WAV on disk must then be
 * playable (a canonical header whose data size is even and within the file)
 * and hold exactly the audio sent, missing at most ~1.2 s (data is flushed
 * about every second). The next start on the same sessions directory
 * recovers each call: headers equal to the file sizes, the mix written,
 * status "recovered", end_time = start_time + the longest leg, listed in
 * GET /api/recordings. And since a kill can come at any moment: sampled
 * every few milliseconds while a call records, no leg file's header ever
 * states more data than the file holds. RTP ports 38600-38699.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertMix, findAudioStart, samplesBetween } from '../helpers/call-check.js';
import { offsetBounds, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import type { RtpLeg } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { WAV_HEADER_BYTES, readCanonicalWav } from '../helpers/wav.js';
import { readWavLoosely } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '38600-38699';
const KILL_AFTER_MS = 3000;
/** Audio a crash may lose: the unflushed second, a tick late, and what was in flight. */
const MAX_MISSING_SAMPLES = 1.2 * 8000;
/** Audio the header may not cover yet: it is refreshed every 2 s (README), after a flush. */
const MAX_HEADER_MISSING_SAMPLES = 2.5 * 8000;
const LEGS = ['incoming', 'outgoing'] as const;
const HEADER_PROBE_CALLS = 8;

let sessionsDir: string;
/** Every call started here (closed in teardown). */
const opened: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('crash'), 'sessions');
});

test.after(async () => {
  for (const c of opened) await Promise.all([c.incoming.close(), c.outgoing.close()]);
  killServers();
  removeTempDirs();
});

const readInfo = (id: string) => readInfoFile(sessionsDir, id);

/** Zeros, then exactly the first samples `leg` sent, nothing after; returns how many sent samples it holds. */
function assertSentPrefix(samples: Int16Array, leg: RtpLeg, sentPackets: number, label: string): { offset: number; held: number } {
  const expected = leg.expected(sentPackets);
  const offset = findAudioStart(samples);
  assert.ok(offset >= 0, `${label}: no audio at all in ${samples.length} samples, ${expected.length} were sent before the kill`);
  const held = samples.length - offset;
  assert.ok(held <= expected.length, `${label}: ${held} samples after the start of the audio, only ${expected.length} were sent`);
  for (let i = 0; i < held; i++) {
    if (samples[offset + i] !== expected[i]) {
      assert.unreachable(`${label}: sample ${offset + i} (sent sample ${i}, packet ${Math.floor(i / 160)}) is ${samples[offset + i]}, sent ${expected[i]}`);
    }
  }
  assert.ok(expected.length - held <= MAX_MISSING_SAMPLES,
    `${label}: holds ${held} of the ${expected.length} samples sent before the kill: ${((expected.length - held) / 8000).toFixed(2)} s missing (max ${MAX_MISSING_SAMPLES / 8000} s)`);
  return { offset, held };
}

test('while recording, a leg file\'s header never states more data than the file holds (a kill at any moment leaves a playable file)', async () => {
  const dir = path.join(makeTempDir('crash-header'), 'sessions');
  const server = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS });
  try {
    // Calls opened 13 ms apart: their flush and header timers fall at different phases of the worker's tick.
    const files: string[] = [];
    const sends: Promise<void>[] = [];
    for (let k = 0; k < HEADER_PROBE_CALLS; k++) {
      const c = await startCall(server, {
        incoming: { codec: 'PCMU', seed: 3851 + k, packets: 230 },
        outgoing: { codec: 'PCMA', seed: 3951 + k, packets: 230 },
      });
      opened.push(c);
      const info = readInfoFile(dir, c.id);
      files.push(...LEGS.map((leg) => path.join(dir, c.id, info.files[`${leg}_audio`])));
      sends.push(c.incoming.start(0), c.outgoing.start(0));
      await sleep(13);
    }
    const sending = Promise.all(sends);
    const header = Buffer.alloc(WAV_HEADER_BYTES);
    const ahead = new Map<string, string>();
    let looks = 0;
    let done = false;
    sending.then(() => (done = true), () => (done = true));
    const t0 = Date.now();
    while (!done) {
      for (const file of files) {
        // Header first, size second: a file only grows, so a correct recorder can never be caught ahead.
        const fd = openSync(file, 'r');
        const got = readSync(fd, header, 0, WAV_HEADER_BYTES, 0);
        const size = fstatSync(fd).size;
        closeSync(fd);
        looks++;
        if (got < WAV_HEADER_BYTES) continue;
        const stated = header.readUInt32LE(40);
        const key = `${file} ${stated}`;
        if (stated > size - WAV_HEADER_BYTES && !ahead.has(key)) {
          ahead.set(key, `${((Date.now() - t0) / 1000).toFixed(2)} s: ${path.basename(path.dirname(file))}/${path.basename(file)} header states ${stated} data bytes, the file holds ${size - WAV_HEADER_BYTES}`);
        }
      }
      await sleep(2);
    }
    assert.ok(looks > 2000, `only ${looks} looks at the headers`);
    assert.ok(ahead.size === 0, `a kill -9 at these moments would leave a header pointing past the end of the file:\n${[...ahead.values()].join('\n')}`);
  } finally {
    // Its ports are this file's: free them for the next test, whatever happened.
    await server.stop('SIGKILL');
  }
});

test('kill -9 mid-call: every WAV is playable and bit-exact; the next start recovers both calls', async () => {
  const first: ServerProcess = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
  const calls: StartedCall[] = [];
  for (const seed of [3861, 3871]) {
    calls.push(await startCall(first, {
      body: { caller_id: `+1555${seed}`, called_number: '+15550199' },
      incoming: { codec: 'PCMU', seed, packets: 200 },
      outgoing: { codec: 'PCMA', seed: seed + 1, packets: 200 },
    }));
  }
  opened.push(...calls);
  const sending = calls.flatMap((c) => [c.incoming.start(0), c.outgoing.start(100)]);
  await sleep(KILL_AFTER_MS);
  // Read what was sent and kill in the same tick: nothing is sent in between.
  const sentAtKill = calls.map((c) => ({ incoming: c.incoming.sent, outgoing: c.outgoing.sent }));
  first.child.kill('SIGKILL');
  const exit = await first.exited;
  for (const c of calls) {
    c.incoming.stop();
    c.outgoing.stop();
  }
  await Promise.all(sending);
  assert.is(exit.signal, 'SIGKILL');

  // ---- what the crash left ----
  const before = new Map<string, Int16Array>();
  for (const [k, c] of calls.entries()) {
    const info = readInfo(c.id);
    assert.is(info.end_time, undefined, `${c.id}: no end_time before recovery`);
    for (const leg of LEGS) {
      const file = path.join(sessionsDir, c.id, info.files[`${leg}_audio`]);
      const wav = readWavLoosely(file);
      const sent = sentAtKill[k][leg];
      assert.ok(sent >= 140, `${c.id} ${leg}: only ${sent} packets sent before the kill`);
      const { offset } = assertSentPrefix(wav.samples, c[leg], sent, `${c.id} ${leg} after the crash`);
      // What a player opening the file now plays: the audio the header covers.
      const covered = wav.headerDataBytes / 2 - offset;
      assert.ok(sent * 160 - covered <= MAX_HEADER_MISSING_SAMPLES,
        `${c.id} ${leg}: the header covers ${covered} of the ${sent * 160} samples sent before the kill (max ${MAX_HEADER_MISSING_SAMPLES / 8000} s missing)`);
      const bounds = offsetBounds(c, c[leg]);
      assert.ok(offset >= bounds.min && offset <= bounds.max, `${c.id} ${leg}: audio at sample ${offset}, outside [${bounds.min}, ${bounds.max}]`);
      before.set(`${c.id}/${leg}`, wav.samples);
    }
    const wavs = readdirSync(path.join(sessionsDir, c.id)).filter((f) => f.endsWith('.wav'));
    assert.is(wavs.length, 2, `${c.id}: only the two leg files exist before recovery: ${wavs}`);
  }

  // ---- recovery ----
  const second = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
  const indexed = await second.waitForLog((l) => l.msg === 'recordings indexed');
  assert.is(indexed.recovered, 2, `recordings indexed: ${JSON.stringify(indexed)}`);

  for (const c of calls) {
    const info = readInfo(c.id);
    const dir = path.join(sessionsDir, c.id);
    assert.is(info.status, 'recovered', `${c.id} status`);
    assert.is(info.end_reason, 'recovery', `${c.id} end_reason`);
    assert.type(info.end_time, 'string', `${c.id} end_time`);
    assert.type(info.files.mixed_audio, 'string', `${c.id}: files.mixed_audio`);
    const legs: Record<string, Int16Array> = {};
    for (const leg of LEGS) {
      // readCanonicalWav: the header now states exactly the file's size.
      legs[leg] = readCanonicalWav(path.join(dir, info.files[`${leg}_audio`]));
      assert.equal(legs[leg], before.get(`${c.id}/${leg}`), `${c.id} ${leg}: recovery kept the audio as it was`);
    }
    const mixed = readCanonicalWav(path.join(dir, info.files.mixed_audio));
    assertMix(mixed, legs.incoming, legs.outgoing, `${c.id} recovered mix`);
    const longest = Math.max(legs.incoming.length, legs.outgoing.length);
    const span = samplesBetween(info.start_time, info.end_time);
    assert.ok(Math.abs(span - longest) <= 8, `${c.id}: end_time - start_time = ${span} samples, the longest leg is ${longest} (±1 ms)`);
    assert.ok(Math.abs(info.duration_seconds - longest / 8000) <= 0.011, `${c.id}: duration_seconds ${info.duration_seconds}, longest leg ${longest / 8000} s`);
    for (const key of ['incoming_audio', 'outgoing_audio', 'mixed_audio']) {
      assert.is(info.file_bytes?.[key], statSync(path.join(dir, info.files[key])).size, `${c.id}: file_bytes.${key}`);
    }
  }

  const res = await second.request('GET', '/api/recordings');
  assert.is(res.status, 200, res.text);
  assert.is(res.body.status, 'success');
  assert.is(res.body.total_recordings, 2);
  const listed = res.body.recordings as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(listed.map((r) => r.session_id).sort(), calls.map((c) => c.id).sort());
  assert.ok(Date.parse(listed[0].start_time) >= Date.parse(listed[1].start_time), 'newest first');
  for (const r of listed) {
    const info = readInfo(r.session_id);
    for (const key of ['session_id', 'caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds']) {
      assert.is(r[key], info[key], `recording ${r.session_id}: ${key}`);
    }
    assert.equal(Object.keys(r.audio_files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
    for (const [key, entry] of Object.entries(r.audio_files as Record<string, { filename: string; size_mb: number; path: string }>)) {
      const size = statSync(path.join(sessionsDir, r.session_id, info.files[key])).size;
      assert.is(entry.filename, info.files[key], `${r.session_id} ${key}.filename`);
      assert.is(entry.size_mb, Math.round((size / 1048576) * 100) / 100, `${r.session_id} ${key}.size_mb`);
      assert.ok(entry.path.endsWith(`${r.session_id}/${entry.filename}`), `${r.session_id} ${key}.path: ${entry.path}`);
    }
    const one = await second.request('GET', `/api/recordings/${r.session_id}`);
    assert.is(one.status, 200);
    // GET /api/recordings/:id is the listed object and more (all of session_info.json).
    for (const [key, value] of Object.entries(r)) assert.equal(one.body.recording[key], value, `GET /api/recordings/:id: ${key}`);
  }
});

test.run();
