/**
 * A 4xx that Koa, the router or a library throws (http-errors, e.g.
 * ctx.throw(413)) has a status but no CALLREC_ERR_* code; every error body
 * carries one, so a client can branch on the code alone. The status stays
 * as thrown; the code is the one callrec uses for that status.
 */
import type { CallrecErrorCode } from '../errors.js';

const CODE_BY_STATUS: Readonly<Record<number, CallrecErrorCode>> = {
  401: 'CALLREC_ERR_UNAUTHORIZED',
  404: 'CALLREC_ERR_NOT_FOUND',
  405: 'CALLREC_ERR_METHOD_NOT_ALLOWED',
  413: 'CALLREC_ERR_BODY_TOO_LARGE',
  415: 'CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE',
  416: 'CALLREC_ERR_RANGE_NOT_SATISFIABLE',
};

/** The code for a thrown 4xx status; any status callrec has no code of its own for is CALLREC_ERR_BAD_REQUEST. */
export function codeForClientError(status: number): CallrecErrorCode {
  return CODE_BY_STATUS[status] ?? 'CALLREC_ERR_BAD_REQUEST';
}
