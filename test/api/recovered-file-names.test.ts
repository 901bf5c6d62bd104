/**
 * The audio route and crash recovery read file names from session_info.json
 * with one rule (src/storage/file-names.ts). A crashed call whose metadata
 * names a file the old rules disagreed on: recovery once skipped
 * `incoming call.wav` (no header repair, no file_bytes) while the route
 * served it with its stale header, and the route served `.incoming.wav`,
 * a hidden file recovery would not touch. Now both accept the first and both
 * refuse the second. RTP ports 50800-50899.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { wavBytes, writeRecording } from './support.js';

const DATA_BYTES = 1600;
let server: ServerProcess;

/** A WAV as a crash leaves it: the audio on disk, a header that still says 0 bytes of data. */
function crashedWav(file: string, seed: number): void {
  const bytes = wavBytes(DATA_BYTES, seed);
  bytes.writeUInt32LE(36, 4);
  bytes.writeUInt32LE(0, 40);
  writeFileSync(file, bytes);
}

test.before(async () => {
  const sessionsDir = path.join(makeTempDir('api-recovered-names'), 'sessions');
  mkdirSync(sessionsDir);
  for (const [id, incomingName] of [['spaced', 'incoming call.wav'], ['hidden', '.incoming.wav']]) {
    writeRecording(sessionsDir, {
      id,
      start: '2025-06-01T10:00:00.000000Z',
      unfinished: true,
      legs: {},
      override: { files: { incoming_audio: incomingName, outgoing_audio: 'outgoing.wav' } },
    });
    crashedWav(path.join(sessionsDir, id, incomingName), 1);
    crashedWav(path.join(sessionsDir, id, 'outgoing.wav'), 2);
  }
  server = await startServer({ sessionsDir, rtpPorts: '50800-50899' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('a name with a space: recovered (header repaired, in file_bytes, mixed) and served', async () => {
  const info = await server.request('GET', '/api/recordings/spaced');
  assert.is(info.status, 200);
  assert.is(info.body.recording.status, 'recovered');
  assert.is(info.body.recording.file_bytes?.incoming_audio, 44 + DATA_BYTES, `file_bytes: ${JSON.stringify(info.body.recording.file_bytes)}`);
  assert.ok(typeof info.body.recording.files.mixed_audio === 'string', `no mix: ${JSON.stringify(info.body.recording.files)}`);
  const res = await fetch(`${server.url}/api/recordings/spaced/audio/incoming`);
  assert.is(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.is(body.length, 44 + DATA_BYTES);
  assert.is(body.readUInt32LE(40), DATA_BYTES, 'the served file\'s header states its data (repaired by recovery)');
});

test('a hidden file name: neither recovered nor served', async () => {
  const info = await server.request('GET', '/api/recordings/hidden');
  assert.is(info.status, 200);
  assert.is(info.body.recording.file_bytes?.incoming_audio, undefined);
  const res = await fetch(`${server.url}/api/recordings/hidden/audio/incoming`);
  assert.is(res.status, 404);
  await res.arrayBuffer();
});

test.run();
