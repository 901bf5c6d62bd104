/**
 * --api-token (SPEC §6): every request except GET /healthz needs
 * `Authorization: Bearer <token>`, else 401 with `WWW-Authenticate: Bearer`.
 *
 * Everything but /healthz is guarded (not only the paths listed in the SPEC,
 * /api/* and /metrics), so a route added later, or a path the router matches
 * case-insensitively (/API/recordings), is never open by mistake.
 *
 * The comparison is constant-time over SHA-256 digests: equal lengths for
 * timingSafeEqual whatever was sent, and nothing about the token's length leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { callrecError } from '../errors.js';

const OPEN_PATHS = new Set(['/healthz']);
const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function bearerAuth(token: string) {
  const expected = digest(token);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (OPEN_PATHS.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    const m = BEARER.exec(header);
    if (m === null || !timingSafeEqual(digest(m[1]), expected)) {
      ctx.set('WWW-Authenticate', header === '' ? 'Bearer realm="callrec"' : 'Bearer realm="callrec", error="invalid_token"');
      throw callrecError('CALLREC_ERR_UNAUTHORIZED', header === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token');
    }
    return next();
  };
}
