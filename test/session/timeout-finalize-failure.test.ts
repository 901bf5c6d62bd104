/**
 * The RTP-timeout sweep ends a silent call with nobody awaiting the result:
 * a finalize that fails there must be logged at error with the session id and
 * the error (issue 13: the rejection was dropped by `.catch(() => {})`). In
 * process: a real SessionRegistry on a temporary sessions directory, real RTP
 * sockets on loopback, and a fake worker pool whose closeLeg fails.
 */
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortPool } from '../../src/ingest/index.js';
import { SessionRegistry } from '../../src/session/registry.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { waitUntilFound } from '../helpers/wait.js';

interface LogLine { level: number; msg: string; session_id?: string; err?: { message?: string } }

test.after(() => removeTempDirs());

test('a finalize that fails after the RTP timeout is logged at error with the session id and the error', async () => {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const log = pino({ level: 'info' }, {
    write: (s: string) => {
      lines.push(JSON.parse(s) as LogLine);
      for (const wake of [...waiters]) wake();
    },
  });
  const pool = {
    producerFor: () => ({}),
    counterView: () => ({}),
    openLeg: async () => {},
    closeLeg: async () => {
      throw new Error('worker went away');
    },
  };
  const config = { sessionsDir: makeTempDir('timeout-finalize'), rtpHost: '127.0.0.1', publicHost: '127.0.0.1', stereo: false, rtpTimeoutSeconds: 0.05, minDurationSeconds: 0 };
  const index = { has: () => false, add: () => {} };
  const registry = new SessionRegistry({ config, pool, ports: new PortPool(40660, 40669), index, log } as never);
  const session = await registry.create({ sessionId: 'silent-1', callerId: '+15551234567', calledNumber: '+15559876543', source: 'http' } as never);
  registry.startTimeoutSweep();
  try {
    const line = await waitUntilFound(
      waiters,
      () => lines.find((l) => l.session_id === session.id && l.err?.message === 'worker went away'),
      5000,
      () => new Error(`no log line with the session id and the error; lines: ${JSON.stringify(lines)}`),
    );
    assert.is(line.level, 50);
    assert.is(registry.size, 0, 'the session is no longer active');
  } finally {
    registry.stopTimeoutSweep();
  }
});

test.run();
