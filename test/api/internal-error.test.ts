/**
 * An unexpected failure (not a CALLREC_ERR_*) is answered 500 with a body
 * like every other error, code included: CALLREC_ERR_INTERNAL, the generic
 * message, never the cause (issue 11: every error body has its code). The
 * app as the recorder builds it, over HTTP, with a registry that throws.
 */
import http from 'node:http';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/api/index.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const SECRET_DETAIL = 'database password is hunter2';
let server: http.Server;
let base: string;

test.before(async () => {
  const dir = makeTempDir('api-internal-error');
  const broken = () => {
    throw new TypeError(SECRET_DETAIL);
  };
  const registry = { size: 0, list: broken, get: broken, create: broken, hangup: broken, onFinalized: () => {} };
  const pool = { state: () => ({ threads: 0, drainLoops: 0, queued: 0 }), ringStats: () => [] };
  const app = createApp({ registry, pool, index: new RecordingsIndex(dir), sessionsDir: dir, log: pino({ level: 'silent' }) } as never);
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

test.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  removeTempDirs();
});

for (const [method, path, body] of [
  ['GET', '/api/sessions', undefined],
  ['POST', '/api/sessions', { caller_id: '+15551234567', called_number: '+15559876543' }],
  ['POST', '/api/sessions/abc/hangup', undefined],
] as const) {
  test(`${method} ${path} failing unexpectedly: 500 {"status":"error","error":"internal error","code":"CALLREC_ERR_INTERNAL"}`, async () => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.is(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const text = await res.text();
    assert.equal(JSON.parse(text), { status: 'error', error: 'internal error', code: 'CALLREC_ERR_INTERNAL' });
    assert.not.match(text, /hunter2|TypeError/, 'the cause is not shown');
  });
}

test.run();
