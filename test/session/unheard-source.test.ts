/**
 * A leg that ends with no recorded audio while another source kept sending to
 * its port gets a warning and an `errors` entry, never a silent "completed":
 * the first source latches the incoming leg with one comfort-noise packet (no
 * audio), then a second source sends audio for half a second, too soon to
 * take the leg over. RTP ports 42200-42299.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { RtpLeg, buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let server: ServerProcess;
const opened: RtpLeg[] = [];

setupSuite(test, async () => {
  server = await startServer({ sessionsDir: path.join(makeTempDir('unheard'), 'sessions'), rtpPorts: '42200-42299' });
});

test.after(async () => {
  for (const leg of opened) await leg.close();
  killServers();
  removeTempDirs();
});

test('no audio recorded on a leg while another source sent: warned and in errors', async () => {
  const call: StartedCall = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 1, packets: 25 },
    outgoing: { codec: 'PCMU', seed: 2, packets: 25 },
  });
  opened.push(call.incoming, call.outgoing);
  const port: number = call.answer.rtp.incoming.port;
  call.incoming.sendRaw(buildRtpPacket({ payloadType: 13, sequenceNumber: 1, timestamp: 0, ssrc: 0x1234, payload: new Uint8Array(1) }));
  await sleep(50);
  const stranger = await RtpLeg.open({ port, codec: 'PCMU', seed: 3, packets: 25 });
  opened.push(stranger);
  await Promise.all([stranger.start(0), call.outgoing.start(0)]);
  const res = await server.request('POST', `/api/sessions/${call.id}/hangup`);
  assert.is(res.status, 200);
  assert.ok(res.body.stats.incoming.dropped.wrong_source > 0, JSON.stringify(res.body.stats.incoming));
  assert.is(res.body.stats.incoming.recorded, 0);
  const errors: string[] = res.body.errors ?? [];
  assert.ok(errors.some((e) => /^incoming: no audio recorded, while \d+ packets from other sources were dropped/.test(e)), JSON.stringify(errors));
  assert.not.ok(errors.some((e) => e.startsWith('outgoing:')), 'the outgoing leg recorded its audio');
  const warned = server.logs.filter((l) => l.level === 40 && l.session_id === call.id && /no audio recorded/.test(l.msg));
  assert.is(warned.length, 1);
});

test.run();
