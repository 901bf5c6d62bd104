/**
 * The listener for Koa's 'error' event. errorMiddleware answers every error a
 * route throws; what reaches Koa itself is what fails after that, above all a
 * response stream (an audio download) failing once the headers are sent, when
 * no error body can be written any more and Koa only ends the socket. With
 * `app.silent` and no listener those vanished; now each is one log line.
 */
import type { Context } from 'koa';
import type { Logger } from '../log.js';

/** The client went away mid-response: routine for downloads, so a warning, not an error. */
const CLIENT_ABORT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export function logAppError(log: Logger): (err: unknown, ctx?: Context) => void {
  return (err, ctx) => {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    const fields = { err, method: ctx?.method, path: ctx?.path, headers_sent: ctx?.headerSent ?? false };
    if (code !== undefined && CLIENT_ABORT_CODES.has(code)) log.warn(fields, `response aborted by the client (${code})`);
    else log.error(fields, 'response failed after the request was handled');
  };
}
