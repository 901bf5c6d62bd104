/**
 * 50 concurrent calls through one recorder (issue 2, point 4): both legs of
 * each, ~3 s of real-time RTP, PCMU and PCMA mixed, every one of the 150
 * files checked sample-exact. One drain worker, to keep the CPU modest.
 * RTP ports 41000-41399.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { offsetBounds, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import type { Codec } from '../helpers/g711.js';
import { createPrng } from '../helpers/prng.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const RTP_PORTS = '41000-41399';
const CALLS = 50;
const PACKETS = 150; // 3 s
const CODEC_PAIRS: [Codec, Codec][] = [['PCMU', 'PCMU'], ['PCMA', 'PCMA'], ['PCMU', 'PCMA'], ['PCMA', 'PCMU']];

let server: ServerProcess;
let sessionsDir: string;
const calls: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('concurrent'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS, workers: 1 });
});

test.after(async () => {
  for (const call of calls) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

test(`${CALLS} concurrent calls: all ${CALLS * 3} files are sample-exact`, async () => {
  const started = await Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      startCall(server, {
        body: { caller_id: `+1555000${String(i).padStart(4, '0')}`, called_number: '+15559876543', session_id: `load-${i}` },
        incoming: { codec: CODEC_PAIRS[i % 4][0], seed: 50_000 + 2 * i, packets: PACKETS },
        outgoing: { codec: CODEC_PAIRS[i % 4][1], seed: 50_001 + 2 * i, packets: PACKETS - (i % 7) },
      }),
    ),
  );
  calls.push(...started);
  const ports = new Set(started.flatMap((c) => [c.answer.rtp.incoming.port, c.answer.rtp.outgoing.port]));
  assert.is(ports.size, CALLS * 2, 'every leg has its own port');

  const active = await server.request('GET', '/api/sessions');
  assert.is(active.body.sessions.length, CALLS);

  // Spread the legs' start over 200 ms, as real calls would not tick together.
  const delay = createPrng(4242);
  await Promise.all(started.flatMap((c) => [c.incoming.start(delay() % 200), c.outgoing.start(delay() % 200)]));
  await sleep(300);
  const answers = await Promise.all(started.map((c) => server.request('POST', `/api/sessions/${c.id}/hangup`)));

  let files = 0;
  for (const [i, call] of started.entries()) {
    const res = answers[i];
    assert.is(res.status, 200, `${call.id} hangup: ${res.text}`);
    const info = res.body;
    assert.is(info.status, 'completed');
    for (const leg of ['incoming', 'outgoing'] as const) {
      // `stats` per leg in session_info.json is documented in the README.
      const stats = info.stats[leg];
      assert.is(stats.packets, call[leg].sent, `${call.id} ${leg}: packets received = sent`);
      assert.is(stats.lost, 0, `${call.id} ${leg}: lost`);
      assert.equal(call[leg].errors, [], `${call.id} ${leg}: sender errors`);
    }
    const check = checkRecordedCall(path.join(sessionsDir, call.id), info.files, call, {}, info);
    for (const leg of ['incoming', 'outgoing'] as const) {
      const bounds = offsetBounds(call, call[leg], 500);
      const offset = leg === 'incoming' ? check.incomingOffset : check.outgoingOffset;
      assert.ok(offset >= bounds.min && offset <= bounds.max, `${call.id} ${leg}: offset ${offset} outside [${bounds.min}, ${bounds.max}]`);
    }
    files += 3;
  }
  assert.is(files, CALLS * 3);

  const listed = await server.request('GET', '/api/recordings?limit=1000');
  assert.is(listed.body.total_recordings, CALLS);
  assert.equal((await server.request('GET', '/api/sessions')).body.sessions, []);
});

test.run();
