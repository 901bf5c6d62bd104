/**
 * Reads a JSON request body with a size limit, without a body-parser
 * dependency: 415 unless JSON, 413 past the limit (keeps nothing past it),
 * 400 when it does not parse or is not an object.
 */
import type { Context } from 'koa';
import { callrecError } from '../errors.js';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

/**
 * The raw body, at most `limit` bytes. Past the limit it stops keeping data,
 * answers with `Connection: close` and discards the rest until the answer is
 * sent (Node then closes the socket): the client reads a 413 instead of a
 * reset connection, and the server never holds more than the limit.
 */
function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      closeAfterAnswer(ctx);
      reject(callrecError('CALLREC_ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`));
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Close the connection after the answer, and throw away what else comes until then. */
function closeAfterAnswer(ctx: Context): void {
  ctx.set('Connection', 'close');
  ctx.req.resume();
}

export async function readJsonBody(ctx: Context, limit = MAX_JSON_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) {
    closeAfterAnswer(ctx);
    throw callrecError('CALLREC_ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
  }
  const raw = await readRawBody(ctx, limit);
  if (raw.length === 0) return {};
  if (!ctx.is('application/json')) throw callrecError('CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
