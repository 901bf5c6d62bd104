/**
 * The one error handler, mounted first: CALLREC_ERR_* → its status and
 * {"status":"error","error":message,"code":…}; anything else → 500
 * CALLREC_ERR_INTERNAL "internal error" (logged, never shown). Unmatched
 * routes end here as 404 JSON too, and a method a route does not take as
 * 405 (501 for a method no route takes). A 4xx thrown by Koa or a library
 * (http-errors) keeps its status and message and gets a code too.
 */
import type { Context, Next } from 'koa';
import { CallrecError, ERROR_TABLE } from '../errors.js';
import type { Logger } from '../log.js';
import { codeForClientError } from './http-error-code.js';

export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) {
          ctx.status = 404;
          ctx.body = { status: 'error', error: `no route for ${ctx.method} ${ctx.path}`, code: 'CALLREC_ERR_NOT_FOUND' };
        } else if (ctx.status === 405 || ctx.status === 501) {
          // Set by the router's allowedMethods(), with an Allow header.
          ctx.body = { status: 'error', error: `${ctx.method} is not allowed on ${ctx.path}`, code: 'CALLREC_ERR_METHOD_NOT_ALLOWED' };
        }
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
          ctx.body = { status: 'error', error: (err as Error).message, code: codeForClientError(status) };
        } else {
          log.error({ err, path: ctx.path }, 'unhandled error in request');
          ctx.status = ERROR_TABLE.CALLREC_ERR_INTERNAL.status;
          ctx.body = { status: 'error', error: ERROR_TABLE.CALLREC_ERR_INTERNAL.message, code: 'CALLREC_ERR_INTERNAL' };
        }
      }
    }
  };
}
