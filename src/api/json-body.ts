/**
 * Reads a JSON request body with a size limit, without a body-parser
 * dependency: 415 unless JSON, 413 past the limit (stops reading at once),
 * 400 when it does not parse or is not an object.
 */
import type { Context } from 'koa';
import { callrecError } from '../errors.js';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

export async function readJsonBody(ctx: Context, limit = MAX_JSON_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw callrecError('CALLREC_ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.destroy();
      throw callrecError('CALLREC_ERR_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return {};
  if (!ctx.is('application/json')) throw callrecError('CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
