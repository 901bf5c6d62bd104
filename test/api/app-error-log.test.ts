/**
 * A response stream that fails after the headers are sent (an audio download
 * whose read fails, a client that goes away) can no longer be answered with an
 * error body; it must still be logged (issue 13: Koa's `app.silent` with no
 * 'error' listener dropped it). The app as createApp builds it, in process,
 * with a route added after its routers that streams a chunk and then fails;
 * the logger's JSON lines are collected.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/api/index.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

interface Line { level: number; msg: string; err?: { message?: string; code?: string }; path?: string; [k: string]: unknown }
const lines: Line[] = [];
let server: http.Server;
let port = 0;

/** One chunk (so the headers go out), then the stream fails with `message` and `code`. */
function failingStream(message: string, code: string | undefined): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.alloc(1024, 1));
        return;
      }
      setTimeout(() => this.destroy(Object.assign(new Error(message), code === undefined ? {} : { code })), 20);
    },
  });
}

async function waitForLine(predicate: (l: Line) => boolean, timeoutMs = 3000): Promise<Line> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching log line; lines: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** GET `target`, wait for the headers and the first chunk, then for the log line; the socket is closed after. */
function getFirstChunk(target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: target }, (res) => {
      res.once('data', () => resolve(res.statusCode ?? 0));
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.setTimeout(5000, () => reject(new Error('no response')));
    setTimeout(() => req.destroy(), 2000).unref();
  });
}

test.before(async () => {
  const dir = makeTempDir('api-app-error-log');
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const registry = { size: 0, list: () => [], get: () => undefined, onFinalized: () => {} };
  const pool = { state: () => ({ threads: 0, drainLoops: 0, queued: 0 }), ringStats: () => [] };
  const app = createApp({ registry, pool, index: new RecordingsIndex(dir), sessionsDir: dir, log } as never);
  app.use(async (ctx, next) => {
    if (ctx.path === '/test/read-fails') ctx.body = failingStream('read failed: EIO', 'EIO');
    else if (ctx.path === '/test/client-gone') ctx.body = failingStream('socket hang up', 'ECONNRESET');
    else await next();
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  removeTempDirs();
});

test('a stream error after the headers are sent is logged at error with the error and the path', async () => {
  assert.is(await getFirstChunk('/test/read-fails'), 200, 'the headers were sent');
  const line = await waitForLine((l) => l.err?.message === 'read failed: EIO');
  assert.is(line.level, 50);
  assert.is(line.err?.code, 'EIO');
  assert.is(line.path, '/test/read-fails');
  assert.is(line.mod, 'api');
});

test('a client abort (ECONNRESET) after the headers is logged at warn', async () => {
  assert.is(await getFirstChunk('/test/client-gone'), 200, 'the headers were sent');
  const line = await waitForLine((l) => l.err?.message === 'socket hang up');
  assert.is(line.level, 40);
  assert.is(line.path, '/test/client-gone');
});

test.run();
