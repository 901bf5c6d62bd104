/**
 * --rtp-timeout (issue 4, SPEC §2a): a session whose legs have both been
 * silent for the timeout is ended as if hung up (finalized, listed), and a
 * session with RTP on either leg is not. With --rtp-timeout 1, four calls at
 * once: both legs stop after 1 s; both legs talk for 3 s; one leg stops after
 * 1 s while the other talks for 3 s; no RTP at all. RTP ports 39000-39099.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall, isoMicros } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readCanonicalWav } from '../helpers/wav.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '39000-39099';
const TIMEOUT_S = 1;
/** Ended within this long after the last packet: the timeout, one sweep interval, finalizing. */
const MAX_END_AFTER_MS = 3000;

let server: ServerProcess;
let sessionsDir: string;
const opened: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('timeout'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS, rtpTimeoutSeconds: TIMEOUT_S });
});

test.after(async () => {
  for (const c of opened) await Promise.all([c.incoming.close(), c.outgoing.close()]);
  killServers();
  removeTempDirs();
});

const readInfo = (id: string) => readInfoFile(sessionsDir, id);

/** µs since the epoch of a performance.now() reading of this process. */
function epochMicros(perfMs: number): number {
  return (performance.timeOrigin + perfMs) * 1000;
}

test('silent calls end by themselves within ~3 s and are finalized; a call with RTP on either leg is not ended early', async () => {
  const plans = {
    silentAfter1s: { incoming: 50, outgoing: 50 },
    talks3s: { incoming: 150, outgoing: 150 },
    oneLegTalks3s: { incoming: 50, outgoing: 150 },
    noRtp: { incoming: 0, outgoing: 0 },
  };
  const calls: Record<string, StartedCall> = {};
  let seed = 3901;
  for (const [name, plan] of Object.entries(plans)) {
    const c = await startCall(server, {
      incoming: { codec: 'PCMU', seed: seed++, packets: plan.incoming },
      outgoing: { codec: 'PCMA', seed: seed++, packets: plan.outgoing },
    });
    calls[name] = c;
    opened.push(c);
  }
  const sending = Object.entries(plans).flatMap(([name, plan]) => [
    ...(plan.incoming > 0 ? [calls[name].incoming.start(0)] : []),
    ...(plan.outgoing > 0 ? [calls[name].outgoing.start(0)] : []),
  ]);

  // Watch GET /api/sessions: when each call leaves it, and that none leaves while it still sends.
  const goneAt: Record<string, number> = {};
  const early: string[] = [];
  const t0 = performance.now();
  while (Object.keys(goneAt).length < 4 && performance.now() - t0 < 8000) {
    const res = await server.request('GET', '/api/sessions');
    assert.is(res.status, 200);
    const now = performance.now();
    const active = new Set((res.body.sessions as { session_id: string }[]).map((s) => s.session_id));
    for (const [name, c] of Object.entries(calls)) {
      if (active.has(c.id) || goneAt[name] !== undefined) continue;
      goneAt[name] = now;
      const stillSending = [c.incoming, c.outgoing].filter((leg) => leg.packets > 0 && leg.sent < leg.packets);
      if (stillSending.length > 0) early.push(`${name} ended while its ${stillSending.map((l) => l.codec).join('+')} leg was still sending`);
    }
    await sleep(50);
  }
  await Promise.all(sending);
  assert.equal(early, [], 'no call ended while RTP was flowing');
  assert.equal(Object.keys(goneAt).sort(), Object.keys(calls).sort(), 'every call ended by itself within 8 s');
  const empty = await server.request('GET', '/api/sessions');
  assert.equal(empty.body.sessions, [], 'GET /api/sessions is empty');

  const listed = await server.request('GET', '/api/recordings');
  const listedIds = new Set((listed.body.recordings as { session_id: string }[]).map((r) => r.session_id));
  for (const [name, c] of Object.entries(calls)) {
    const info = readInfo(c.id);
    const label = `${name} (${c.id})`;
    assert.type(info.end_time, 'string', `${label}: session_info.json has end_time`);
    assert.is(info.status, 'completed', `${label}: status`);
    assert.is(info.end_reason, 'rtp_timeout', `${label}: end_reason`);
    assert.ok(listedIds.has(c.id), `${label}: listed in GET /api/recordings`);
    const ending = server.logs.find((l) => l.msg === 'ending session' && l.session_id === c.id);
    assert.is(ending?.reason, 'rtp_timeout', `${label}: ended by the RTP timeout: ${JSON.stringify(ending)}`);

    // Silence measured from the last packet of either leg (or the start, without RTP).
    const lastSent = Math.max(...[c.incoming, c.outgoing].filter((l) => l.sent > 0).map((l) => l.lastSentAt), c.answeredAt);
    const silentMs = (isoMicros(info.end_time) - epochMicros(lastSent)) / 1000;
    assert.ok(silentMs >= TIMEOUT_S * 1000 - 20, `${label}: ended ${silentMs.toFixed(0)} ms after the last RTP, before the ${TIMEOUT_S} s timeout`);
    assert.ok(goneAt[name] - lastSent <= MAX_END_AFTER_MS, `${label}: ended ${(goneAt[name] - lastSent).toFixed(0)} ms after the last RTP (max ${MAX_END_AFTER_MS})`);

    const dir = path.join(sessionsDir, c.id);
    if (name === 'noRtp') {
      assert.is(info.files.mixed_audio, undefined, `${label}: no mixed file without audio`);
      for (const leg of ['incoming_audio', 'outgoing_audio']) {
        const samples = readCanonicalWav(path.join(dir, info.files[leg]));
        assert.ok(samples.every((s) => s === 0), `${label}: ${leg} is silence`);
      }
    } else {
      // Every packet sent is in the files: nothing was cut off by an early end.
      checkRecordedCall(dir, info.files, c, {}, info);
    }
  }
});

test.run();
