/**
 * Completion webhooks end to end: the compiled recorder (back-off shortened
 * with CALLREC_TEST_WEBHOOK_BACKOFF_MS), a real call over HTTP and RTP, and
 * a receiver that fails twice then succeeds. The recorder is SIGKILLed after
 * the first failure and started again: the delivery is resumed from disk
 * and arrives exactly once, signed. Then a call cut by a crash is recovered
 * at start-up and announced as "recording.recovered".
 * RTP ports 36000-36099.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtpLeg } from '../helpers/rtp-sender.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { recordCall, signatureValid, spawnRecorder, startReceiver, waitFor } from './support.js';
import type { Receiver, Recorder } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const SECRET = 's3cret';
const RTP_PORTS = '36000-36099';
const recorders: Recorder[] = [];
let receiver: Receiver;

test.after(async () => {
  for (const r of recorders) r.child.kill('SIGKILL');
  await receiver?.close();
  removeTempDirs();
});

test('a delivery survives a SIGKILL between failures and arrives exactly once, signed; a recovered call is announced', async () => {
  const sessionsDir = path.join(makeTempDir('webhook-e2e'), 'sessions');
  let first: Recorder | null = null;
  receiver = await startReceiver((n) => {
    if (n === 0) first?.child.kill('SIGKILL'); // crash while the receiver is still failing
    return n < 2 ? 500 : 200;
  });
  const start = async () => {
    const r = await spawnRecorder({
      sessionsDir,
      rtpPorts: RTP_PORTS,
      args: ['--webhook-url', receiver.url, '--webhook-secret', SECRET],
      env: { CALLREC_TEST_WEBHOOK_BACKOFF_MS: '200' },
    });
    recorders.push(r);
    return r;
  };

  first = await start();
  const id = await recordCall(first);
  await first.exited;
  assert.is(receiver.requests.length, 1, 'one attempt before the crash');

  const second = await start();
  await waitFor('the delivery', () => receiver.requests.some((r) => r.status === 200));
  // The receiver has answered; the recorder records that a moment later.
  const recording = await waitFor('the delivered state', async () => {
    const got = await second.request('GET', `/api/recordings/${id}`);
    assert.is(got.status, 200);
    return got.body.recording.webhook?.state === 'delivered' ? got.body.recording : undefined;
  });
  assert.is(recording.webhook.state, 'delivered');
  assert.is(recording.webhook.attempts, 3, 'the attempt cut by the crash counts');
  const onDisk = readInfoFile(sessionsDir, id);
  assert.equal(onDisk.webhook, recording.webhook);

  await new Promise((resolve) => setTimeout(resolve, 600)); // well past the back-off: nothing more comes
  assert.is(receiver.requests.length, 3);
  assert.is(receiver.requests.filter((r) => r.status === 200).length, 1, 'delivered exactly once');
  for (const r of receiver.requests) {
    assert.ok(signatureValid(SECRET, r.body, r.headers['x-callrec-signature']), 'signature verifies');
    assert.is(r.body, receiver.requests[0].body);
    assert.is(r.headers['x-callrec-delivery'], receiver.requests[0].headers['x-callrec-delivery']);
  }
  const payload = JSON.parse(receiver.requests[2].body);
  assert.is(payload.event, 'recording.completed');
  const { webhook: _state, ...listed } = recording;
  assert.equal(payload.recording, listed, 'the body is the GET /api/recordings/:id object');
  assert.is(payload.recording.status, 'completed');
  assert.ok(payload.recording.audio_files.mixed_audio.size_mb >= 0);

  // A call cut by a crash: recovered at the next start and announced.
  const res = await second.request('POST', '/api/sessions', { caller_id: '+15550300', called_number: '+15550399' });
  assert.is(res.status, 201);
  const legs = await Promise.all([
    RtpLeg.open({ port: res.body.rtp.incoming.port, codec: 'PCMU', seed: 1, packets: 10 }),
    RtpLeg.open({ port: res.body.rtp.outgoing.port, codec: 'PCMU', seed: 2, packets: 10 }),
  ]);
  await Promise.all(legs.map((leg) => leg.start()));
  await new Promise((resolve) => setTimeout(resolve, 1200)); // the worker writes about every second
  await Promise.all(legs.map((leg) => leg.close()));
  second.child.kill('SIGKILL');
  await second.exited;
  const third = await start();
  const announced = await waitFor('the recovered event', () =>
    receiver.requests.map((r) => JSON.parse(r.body)).find((p) => p.event === 'recording.recovered'),
  );
  assert.is(announced.recording.session_id, res.body.session_id);
  assert.is(announced.recording.status, 'recovered');
  const after = await waitFor('delivered state', async () => {
    const r = await third.request('GET', `/api/recordings/${res.body.session_id}`);
    return r.body.recording?.webhook?.state === 'delivered' && r.body.recording;
  });
  assert.is(after.webhook.attempts, 1);
});

test.run();
