/**
 * End to end over HTTP control (issue 2, points 1 and 2): the compiled
 * recorder in a child process, real RTP over loopback UDP, the WAV files read
 * back and compared sample by sample with the reference G.711 decoding.
 * RTP ports 40000-40099.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { offsetBounds, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readInfoFile } from '../helpers/session-info.js';

const RTP_PORTS = '40000-40099';
/** Wait after the last packet before hanging up: the datagrams are in flight. */
const SETTLE_MS = 150;

let server: ServerProcess;
let sessionsDir: string;
const opened: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('http-call'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

async function hangup(call: StartedCall): Promise<Record<string, any>> {
  const res = await server.request('POST', `/api/sessions/${call.id}/hangup`);
  assert.is(res.status, 200, `hangup ${call.id}: ${res.status} ${res.text}`);
  return res.body;
}

const readInfo = (id: string) => readInfoFile(sessionsDir, id);

test('PCMU and PCMA calls: leg files hold exactly the audio sent, the mix is their floor average', async () => {
  const calls = await Promise.all([
    startCall(server, {
      incoming: { codec: 'PCMU', seed: 101, packets: 75 },
      outgoing: { codec: 'PCMU', seed: 102, packets: 60 },
    }),
    startCall(server, {
      incoming: { codec: 'PCMA', seed: 201, packets: 60 },
      outgoing: { codec: 'PCMA', seed: 202, packets: 75 },
    }),
  ]);
  opened.push(...calls);
  assert.is.not(calls[0].id, calls[1].id);
  // Outgoing 100 ms after incoming, so the legs neither start nor end together.
  await Promise.all(calls.flatMap((c) => [c.incoming.start(0), c.outgoing.start(100)]));
  await sleep(SETTLE_MS);

  for (const call of calls) {
    const finished = await hangup(call);
    const info = readInfo(call.id);
    assert.equal(finished, info, 'the hangup answer is the session_info.json on disk');
    assert.is(info.status, 'completed');
    assert.type(info.end_time, 'string');

    const dir = path.join(sessionsDir, call.id);
    const names = readdirSync(dir).sort();
    assert.equal(
      names,
      [info.files.incoming_audio, info.files.mixed_audio, info.files.outgoing_audio, 'session_info.json'].sort(),
      `${call.id}: exactly the three WAV files and session_info.json (no temp files left)`,
    );
    for (const leg of [call.incoming, call.outgoing]) assert.equal(leg.errors, [], 'sender socket errors');

    const check = checkRecordedCall(dir, info.files, call, {}, info);
    const inBounds = offsetBounds(call, call.incoming);
    const outBounds = offsetBounds(call, call.outgoing);
    assert.ok(check.incomingOffset >= inBounds.min && check.incomingOffset <= inBounds.max,
      `incoming offset ${check.incomingOffset} outside [${inBounds.min}, ${inBounds.max}] (arrival since start_time)`);
    assert.ok(check.outgoingOffset >= outBounds.min && check.outgoingOffset <= outBounds.max,
      `outgoing offset ${check.outgoingOffset} outside [${outBounds.min}, ${outBounds.max}] (arrival since start_time)`);
  }
});

test('alignment: an outgoing leg that starts 1 s later is 8000 ± 400 samples later in its file', async () => {
  const call = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 301, packets: 100 },
    outgoing: { codec: 'PCMA', seed: 302, packets: 75 },
  });
  opened.push(call);
  await Promise.all([call.incoming.start(0), call.outgoing.start(1000)]);
  await sleep(SETTLE_MS);
  const info = await hangup(call);
  const check = checkRecordedCall(path.join(sessionsDir, call.id), info.files, call, {}, info);

  const measured = Math.round((call.outgoing.firstSentAt - call.incoming.firstSentAt) * 8);
  const shift = check.outgoingOffset - check.incomingOffset;
  assert.ok(shift >= 7600 && shift <= 8400, `outgoing starts ${shift} samples after incoming (sender measured ${measured}), want 8000 ± 400`);
  const silent = check.incomingOffset + 7600;
  for (let n = 0; n < silent; n++) {
    if (check.outgoing[n] !== 0) assert.unreachable(`outgoing sample ${n} is ${check.outgoing[n]}: the first ${silent} samples must be silence`);
  }
  // And the incoming leg was already talking during that silence.
  assert.ok(check.incoming.subarray(check.incomingOffset, check.incomingOffset + 7600).every((s) => s !== 0));
});

test('RTP sequence number and timestamp wrapping mid-call change nothing in the file', async () => {
  const call = await startCall(server, {
    // 65530 + 50 wraps the sequence; 0xffffff00 + 50 * 160 wraps the timestamp after 2 packets.
    incoming: { codec: 'PCMA', seed: 401, packets: 50, firstSequence: 65530, firstTimestamp: 0xffffff00 },
    outgoing: { codec: 'PCMU', seed: 402, packets: 50, firstSequence: 65535, firstTimestamp: 0xfffffff0 },
  });
  opened.push(call);
  await Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
  await sleep(SETTLE_MS);
  const info = await hangup(call);
  checkRecordedCall(path.join(sessionsDir, call.id), info.files, call, {}, info);
  assert.is(info.stats.incoming.lost, 0, 'no loss counted across the wrap');
  assert.is(info.stats.incoming.reanchored, 0, 'no re-anchor across the wrap');
});

test.run();
