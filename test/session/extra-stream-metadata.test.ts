/**
 * Adding an extra stream (SIPREC) rewrites session_info.json so that a crash
 * finds the new file; when that write fails the stream still records, but the
 * failure is logged with the session id and the error (issue 13: it was
 * dropped by `.catch(() => {})`). In process: a session whose directory is
 * gone, a fake worker pool, a real RTP socket on loopback.
 */
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortPool } from '../../src/ingest/index.js';
import { addExtraStream } from '../../src/session/controls.js';
import type { SessionLeg } from '../../src/session/session.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

interface LogLine { level: number; session_id?: string; leg?: string; err?: { code?: string } }

test.after(() => removeTempDirs());

test('a failed session_info.json write after adding an extra stream is logged at warn with the session id and the error', async () => {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const extraLegs: SessionLeg[] = [];
  const session = {
    id: 'extra-1',
    state: 'active',
    dir: path.join(makeTempDir('extra-stream'), 'gone'), // never made: the write fails with ENOENT
    startPerfMs: performance.now(),
    startEpochMs: Date.now(),
    startIso: new Date().toISOString(),
    skippedMs: 0,
    discarded: false,
    extraInfo: {},
    extraLegs,
    callerId: '+15551234567',
    calledNumber: '+15559876543',
    source: 'sip',
    allLegs: () => extraLegs,
    currentPause: () => null,
  };
  const pool = { producerFor: () => ({}), counterView: () => ({}), openLeg: async () => {} };
  const deps = { config: { rtpHost: '127.0.0.1' }, pool, ports: new PortPool(40640, 40649), log };
  const leg = await addExtraStream(session as never, deps as never, 'agent2');
  try {
    assert.is(leg.name, 'extra_agent2', 'the stream was added all the same');
    const line = lines.find((l) => l.session_id === 'extra-1' && l.err !== undefined);
    assert.ok(line !== undefined, `no log line with the session id and the error: ${JSON.stringify(lines)}`);
    assert.is(line.level, 40);
    assert.is(line.err?.code, 'ENOENT');
    assert.is(line.leg, 'extra_agent2');
  } finally {
    await leg.receiver.close();
  }
});

test.run();
