/**
 * The one error handler, mounted first: CALLREC_ERR_* → its status and
 * {"status":"error","error":message}; anything else → 500 "internal error"
 * (logged, never shown). Unmatched routes end here as 404 JSON too.
 */
import type { Context, Next } from 'koa';
import { CallrecError } from '../errors.js';
import type { Logger } from '../log.js';

export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { status: 'error', error: `no route for ${ctx.method} ${ctx.path}` };
      }
    } catch (err) {
      if (err instanceof CallrecError) {
        ctx.status = err.status;
        ctx.body = { status: 'error', error: err.message, code: err.code };
        if (err.status >= 500) log.warn({ code: err.code, path: ctx.path }, err.message);
      } else {
        const status = (err as { status?: number; expose?: boolean }).status;
        if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
          ctx.status = status;
          ctx.body = { status: 'error', error: (err as Error).message };
        } else {
          log.error({ err, path: ctx.path }, 'unhandled error in request');
          ctx.status = 500;
          ctx.body = { status: 'error', error: 'internal error' };
        }
      }
    }
  };
}
