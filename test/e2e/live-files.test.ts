/**
 * The WAV files while a call runs (SPEC §4): "The header stays valid while
 * recording (sizes refreshed at least every 5 s), so a crash leaves
 * playable files." Polls both legs' files during a 7 s call: the header
 * never states more data than the file holds, and never lags what the file
 * held 5 s earlier. RTP ports 40600-40699.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecordedCall } from '../helpers/call-check.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { WAV_HEADER_BYTES, parseWavHeader } from '../helpers/wav.js';

const RTP_PORTS = '40600-40699';
const REFRESH_LIMIT_MS = 5000;
/** Poll scheduling slack on a shared machine. */
const SLACK_MS = 300;

let server: ServerProcess;
let sessionsDir: string;
const opened: StartedCall[] = [];

setupSuite(test, async () => {
  sessionsDir = path.join(makeTempDir('live-files'), 'sessions');
  server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

interface Sample {
  at: number;
  fileData: number;
  headerData: number;
}

/** One consistent look at a file: header bytes and size from one descriptor. */
function look(file: string): { header: ReturnType<typeof parseWavHeader>; size: number } | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const bytes = Buffer.alloc(WAV_HEADER_BYTES);
    const size = fstatSync(fd).size;
    if (readSync(fd, bytes, 0, WAV_HEADER_BYTES, 0) < WAV_HEADER_BYTES) return null;
    return { header: parseWavHeader(bytes), size };
  } finally {
    closeSync(fd);
  }
}

test('during a 7 s call the leg headers stay valid and are refreshed within 5 s', async () => {
  const call = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 801, packets: 350 },
    outgoing: { codec: 'PCMA', seed: 802, packets: 350 },
  });
  opened.push(call);
  const legs = ['incoming', 'outgoing'] as const;
  const files = { incoming: '', outgoing: '' };
  const history: Record<(typeof legs)[number], Sample[]> = { incoming: [], outgoing: [] };
  const problems: string[] = [];
  const sending = Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
  let done = false;
  void sending.then(() => (done = true));

  while (!done) {
    await sleep(100);
    if (files.incoming === '') {
      const live = JSON.parse(readFileSync(path.join(sessionsDir, call.id, 'session_info.json'), 'utf8'));
      files.incoming = path.join(sessionsDir, call.id, live.files.incoming_audio);
      files.outgoing = path.join(sessionsDir, call.id, live.files.outgoing_audio);
    }
    const now = performance.now();
    for (const leg of legs) {
      const seen = look(files[leg]);
      if (seen === null) continue;
      const { header, size } = seen;
      if (header.riff !== 'RIFF' || header.wave !== 'WAVE' || header.dataId !== 'data' || header.sampleRate !== 8000 || header.channels !== 1 || header.bitsPerSample !== 16) {
        problems.push(`${leg} at ${((now - call.answeredAt) / 1000).toFixed(2)} s: not a PCM 8 kHz mono header`);
      }
      if (header.riffSize !== header.dataBytes + 36) problems.push(`${leg}: RIFF size ${header.riffSize} != data size ${header.dataBytes} + 36`);
      const fileData = size - WAV_HEADER_BYTES;
      if (header.dataBytes > fileData) {
        problems.push(`${leg} at ${((now - call.answeredAt) / 1000).toFixed(2)} s: header states ${header.dataBytes} data bytes, the file holds ${fileData}`);
      }
      // What the file held REFRESH_LIMIT_MS ago must be in the header by now.
      const old = history[leg].filter((s) => now - s.at >= REFRESH_LIMIT_MS + SLACK_MS).pop();
      if (old !== undefined && header.dataBytes < old.fileData) {
        problems.push(`${leg}: header states ${header.dataBytes} bytes, but the file held ${old.fileData} already ${((now - old.at) / 1000).toFixed(1)} s ago`);
      }
      history[leg].push({ at: now, fileData, headerData: header.dataBytes });
    }
  }
  await sleep(150);
  const res = await server.request('POST', `/api/sessions/${call.id}/hangup`);
  assert.is(res.status, 200);
  for (const leg of legs) {
    assert.ok(history[leg].length >= 50, `${leg}: polled ${history[leg].length} times`);
    assert.ok(history[leg].some((s) => s.headerData > 0), `${leg}: the header was refreshed during the call`);
  }
  assert.equal(problems.slice(0, 10), [], `${problems.length} problems while recording`);
  checkRecordedCall(path.join(sessionsDir, call.id), res.body.files, call, {}, res.body);
});

test.run();
