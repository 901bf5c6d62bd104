/**
 * SIGTERM while calls are running (issue 2, point 5): the recorder exits 0
 * after finalizing every call: complete, playable files, a mix, metadata
 * with end_time and status "completed", and the audio sent before the
 * signal, sample-exact. RTP ports 40200-40299.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertMix, countRecordedPackets, isoMicros, maxCallSamples } from '../helpers/call-check.js';
import { listSessionDirs, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import type { Codec } from '../helpers/g711.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readCanonicalWav } from '../helpers/wav.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '40200-40299';
const CALLS = 4;
/**
 * Packets sent in the last moments before the signal may still sit unread in
 * the socket when the recorder closes it (it handles the signal and the
 * datagrams in one event-loop turn, in either order); on an idle machine
 * none is lost, on a loaded one a turn can take a few packet times.
 */
const GRACE_PACKETS = 3;
const CODEC_PAIRS: [Codec, Codec][] = [['PCMU', 'PCMA'], ['PCMA', 'PCMU'], ['PCMU', 'PCMU'], ['PCMA', 'PCMA']];

let server: ServerProcess;
let sessionsDir: string;
const calls: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('shutdown'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  for (const call of calls) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

test(`SIGTERM during ${CALLS} active calls: exit 0, every call finalized with the audio sent before the signal`, async () => {
  for (let i = 0; i < CALLS; i++) {
    calls.push(
      await startCall(server, {
        body: { caller_id: `+1555111000${i}`, called_number: '+15559876543', session_id: `term-${i}` },
        incoming: { codec: CODEC_PAIRS[i][0], seed: 7000 + 2 * i, packets: 500 },
        outgoing: { codec: CODEC_PAIRS[i][1], seed: 7001 + 2 * i, packets: 500 },
      }),
    );
  }
  // The legs talk on (10 s worth); one call's outgoing leg starts late.
  const sending = calls.flatMap((c, i) => [c.incoming.start(0), c.outgoing.start(i === 0 ? 600 : 0)]);
  await sleep(1500);

  const sentAtSignal = calls.map((c) => ({ incoming: c.incoming.sent, outgoing: c.outgoing.sent }));
  const signalledAt = performance.now();
  const signalWall = Date.now();
  const exit = await server.stop('SIGTERM');
  const exitWall = Date.now();
  const exitedAfterMs = performance.now() - signalledAt;
  for (const c of calls) {
    c.incoming.stop();
    c.outgoing.stop();
  }
  await Promise.all(sending);
  assert.equal(exit, { code: 0, signal: null }, `exit after SIGTERM; stderr: ${server.stderr}`);
  assert.ok(server.logs.some((l) => l.msg === 'shutdown complete'), 'logged "shutdown complete"');
  assert.is(server.stderr, '', 'nothing on stderr');

  for (const [i, call] of calls.entries()) {
    const info = readInfoFile(sessionsDir, call.id);
    assert.is(info.status, 'completed', `${call.id}: status`);
    assert.is(info.end_reason, 'shutdown', `${call.id}: end_reason`);
    assert.type(info.end_time, 'string', `${call.id}: end_time`);
    const endMs = isoMicros(info.end_time) / 1000;
    assert.ok(endMs >= signalWall - 2 && endMs <= exitWall + 2, `${call.id}: end_time ${info.end_time} between the signal and the exit`);
    assert.type(info.files.mixed_audio, 'string', `${call.id}: mixed file listed`);

    const dir = path.join(sessionsDir, call.id);
    const samples = {
      incoming: readCanonicalWav(path.join(dir, info.files.incoming_audio)),
      outgoing: readCanonicalWav(path.join(dir, info.files.outgoing_audio)),
    };
    const maxSamples = maxCallSamples(info.start_time, info.end_time);
    for (const leg of ['incoming', 'outgoing'] as const) {
      const label = `${call.id} ${leg}`;
      const recorded = countRecordedPackets(samples[leg], call[leg], label);
      const before = sentAtSignal[i][leg];
      assert.ok(recorded <= call[leg].sent, `${label}: ${recorded} packets recorded, only ${call[leg].sent} sent`);
      assert.ok(recorded >= before - GRACE_PACKETS,
        `${label}: ${recorded} packets recorded, ${before} were sent before the signal (exit ${exitedAfterMs.toFixed(0)} ms after it)`);
      assert.ok(samples[leg].length <= maxSamples, `${label}: file longer than the call: ${samples[leg].length} samples, at most ${maxSamples} (${info.start_time} → ${info.end_time}), audio ends at ${samples[leg].findLastIndex((s) => s !== 0) + 1}`);
    }
    assertMix(readCanonicalWav(path.join(dir, info.files.mixed_audio)), samples.incoming, samples.outgoing, `${call.id} mixed`);
  }
});

test('after a restart the calls are listed as completed, not recovered', async () => {
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
  const res = await server.request('GET', '/api/recordings');
  assert.is(res.body.total_recordings, CALLS);
  for (const recording of res.body.recordings) {
    assert.is(recording.status ?? 'completed', 'completed', `${recording.session_id}: status`);
    assert.ok(recording.audio_files.mixed_audio !== undefined, `${recording.session_id}: mixed listed`);
  }
  assert.not.ok(server.logs.some((l) => /recovered session/.test(l.msg)), 'nothing needed recovery');
  assert.is((await server.stop('SIGINT')).code, 0, 'SIGINT with no calls exits 0 too');
});

/**
 * One round: 24 calls at once, SIGTERM the moment the first is answered
 * (the others are still being created). Returns what is wrong on disk.
 */
async function raceShutdown(round: number): Promise<string[]> {
  const dir = path.join(makeTempDir(`shutdown-race-${round}`), 'sessions');
  const racing = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS });
  let firstAnswer: () => void = () => {};
  const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
  const posts = Array.from({ length: 24 }, (_, i) =>
    racing.request('POST', '/api/sessions', { caller_id: 'race', called_number: 'race', session_id: `race-${i}` }).then(
      (res) => {
        firstAnswer();
        return res.status;
      },
      () => 0, // connection closed by the shutdown
    ),
  );
  await answered;
  const exit = await racing.stop('SIGTERM');
  const statuses = await Promise.all(posts);
  assert.equal(exit, { code: 0, signal: null }, `exit; stderr: ${racing.stderr}`);
  for (const status of statuses) assert.ok([0, 201, 503].includes(status), `POST during shutdown answered ${status}`);
  const wrong: string[] = [];
  for (const id of listSessionDirs(dir)) {
    const file = path.join(dir, id, 'session_info.json');
    const answer = statuses[Number(id.slice('race-'.length))];
    if (!existsSync(file)) {
      wrong.push(`${id}: directory without session_info.json (${readdirSync(path.join(dir, id)).join(', ') || 'empty'}), POST answered ${answer}`);
      continue;
    }
    const info = JSON.parse(readFileSync(file, 'utf8'));
    if (info.end_time === undefined || info.status !== 'completed') wrong.push(`${id}: status ${info.status}, end_time ${info.end_time}, POST answered ${answer}`);
  }
  const accepted = statuses.filter((s) => s === 201).length;
  assert.ok(listSessionDirs(dir).length >= accepted, 'every 201 has its directory');
  return wrong.length === 0 ? [] : [`round ${round}, POST answers ${statuses.join(',')}`, ...wrong];
}

// BUG (src/session/registry.ts): create() checks #accepting only on entry,
// and shutdown() ends only the sessions already in #active. A call whose
// creation is in flight (mkdir, bind, session_info.json, OPEN) when SIGTERM
// comes is added to #active after that snapshot: its POST answers 201, it is
// never finalized, and the process exits 0 leaving session_info.json with
// status "recording" and no end_time (or, if it exits mid-create, a session
// directory holding only session_info.json.<pid>.<n>.tmp). The race does not
// show every time, so up to four rounds are run.
test('BUG registry shutdown race: calls being created when SIGTERM comes are refused or finalized, never left without end_time', async () => {
  for (let round = 1; round <= 4; round++) {
    const wrong = await raceShutdown(round);
    assert.equal(wrong.slice(0, 6), [], 'sessions left unfinished by a clean shutdown');
  }
});

test.run();
