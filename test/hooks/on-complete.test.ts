/**
 * --on-complete end to end: the compiled recorder runs the command (no
 * shell) with the session directory as its last argument after a real
 * call; the command's effect is there and its status is in
 * session_info.json and GET /api/recordings/:id. A call shorter than
 * --min-duration is discarded: announced as "recording.discarded", and the
 * command does not run for it.
 * RTP ports 36100-36199.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { recordCall, spawnRecorder, startReceiver, waitFor } from '../webhook/support.js';
import type { Receiver, Recorder } from '../webhook/support.js';
import { readInfoFile } from '../helpers/session-info.js';

let recorder: Recorder | undefined;
let receiver: Receiver | undefined;

test.after(async () => {
  recorder?.child.kill('SIGKILL');
  await receiver?.close();
  removeTempDirs();
});

test('the command runs with the session directory and its status is on the recording', async () => {
  const sessionsDir = path.join(makeTempDir('on-complete'), 'sessions');
  const script = 'const fs = require("fs"), p = require("path"); const dir = process.argv[1];'
    + 'const info = JSON.parse(fs.readFileSync(p.join(dir, "session_info.json"), "utf8"));'
    + 'fs.writeFileSync(p.join(dir, "marker.txt"), "processed " + info.session_id + " " + (process.argv.length - 1) + " arg");'
    + 'process.stderr.write("transcribed it\\n")';
  receiver = await startReceiver(() => 200);
  recorder = await spawnRecorder({
    sessionsDir,
    rtpPorts: '36100-36199',
    args: ['--on-complete', JSON.stringify([process.execPath, '-e', script]), '--webhook-url', receiver.url, '--min-duration', '0.6'],
  });
  const id = await recordCall(recorder, 40);
  const status = await waitFor('on_complete ok', () => {
    const info = readInfoFile(sessionsDir, id);
    return ['ok', 'failed', 'timeout'].includes(info.on_complete?.state) && info.on_complete;
  });
  assert.is(status.state, 'ok', JSON.stringify(status));
  assert.is(status.exit_code, 0);
  assert.is(status.signal, null);
  assert.is(status.stderr_tail, 'transcribed it\n');
  assert.ok(status.duration_seconds >= 0 && status.duration_seconds < 10);
  assert.is(readFileSync(path.join(sessionsDir, id, 'marker.txt'), 'utf8'), `processed ${id} 1 arg`);
  const got = await recorder.request('GET', `/api/recordings/${id}`);
  assert.equal(got.body.recording.on_complete, status);
  await waitFor('the completed event', () => receiver!.requests.length === 1);
  assert.is(JSON.parse(receiver.requests[0].body).event, 'recording.completed');

  const short = await recordCall(recorder, 3);
  const discarded = await waitFor('the discarded event', () => receiver!.requests.map((r) => JSON.parse(r.body)).find((p) => p.event === 'recording.discarded'));
  assert.is(discarded.recording.session_id, short);
  assert.is(discarded.recording.status, 'discarded');
  assert.is(discarded.recording.reason, 'min_duration');
  assert.is(discarded.recording.caller_id, '+15550100');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.not.ok(recorder.logs.some((l) => l.mod === 'on-complete' && l.session_id === short), 'no command for a discarded call');
  assert.is((await recorder.request('GET', `/api/recordings/${short}`)).status, 404);
});

test.run();
