/**
 * Every CALLREC_ERR_* code in src/errors.ts is a row of README.md's "Error
 * codes" table with the same status, and every row is a code (as fastify's
 * test/internals/errors.test.js does with Errors.md).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Koa from 'koa';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorMiddleware } from '../../src/api/error-middleware.js';
import { ERROR_TABLE } from '../../src/errors.js';

function readmeRows(): Map<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README.md has an "## Error codes" section');
  const rows = new Map<string, string>();
  for (const m of section!.matchAll(/^\| `(CALLREC_ERR_[A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

test('every code in src/errors.ts is documented with its status, and every documented code exists', () => {
  const rows = readmeRows();
  for (const [code, { status }] of Object.entries(ERROR_TABLE)) {
    assert.ok(rows.has(code), `${code} is in the README table`);
    if (code !== 'CALLREC_ERR_CONFIG') assert.match(rows.get(code)!, new RegExp(`^${status}\\b`), `${code}: status ${status}`);
  }
  for (const code of rows.keys()) assert.ok(code in ERROR_TABLE, `${code} (README) is in src/errors.ts`);
});

test('regression (issue 11: every error body has its code): a 4xx thrown by Koa (http-errors) keeps its status and message and gets a code', async () => {
  // The recorder's error middleware in front of a handler that throws as Koa, the router or a body parser do.
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware(pino({ level: 'silent' })));
  app.use((ctx) => ctx.throw(Number(ctx.query.status), `thrown with ${ctx.query.status}`));
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    for (const [status, code] of [
      [400, 'CALLREC_ERR_BAD_REQUEST'], [413, 'CALLREC_ERR_BODY_TOO_LARGE'], [415, 'CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE'],
      [404, 'CALLREC_ERR_NOT_FOUND'], [405, 'CALLREC_ERR_METHOD_NOT_ALLOWED'], [431, 'CALLREC_ERR_BAD_REQUEST'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${port}/?status=${status}`);
      assert.is(res.status, status, `thrown ${status}`);
      assert.equal(await res.json(), { status: 'error', error: `thrown with ${status}`, code }, `thrown ${status}`);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
