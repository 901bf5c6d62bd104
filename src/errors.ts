/**
 * Every error callrec reports, in one table: stable code, HTTP status, and
 * the message shown to clients. The README lists every code (a test checks).
 * Unknown errors are never shown: the API answers 500 CALLREC_ERR_INTERNAL "internal error".
 */

export const ERROR_TABLE = {
  CALLREC_ERR_CONFIG: { status: 500, message: 'invalid configuration' },
  CALLREC_ERR_INVALID_BODY: { status: 400, message: 'invalid request body' },
  CALLREC_ERR_INVALID_ID: { status: 400, message: 'invalid session id' },
  CALLREC_ERR_INVALID_QUERY: { status: 400, message: 'invalid query parameter' },
  CALLREC_ERR_INVALID_LEG: { status: 400, message: 'invalid audio leg' },
  /** A client error thrown by Koa or a library rather than by callrec (http-errors); it keeps its own status. */
  CALLREC_ERR_BAD_REQUEST: { status: 400, message: 'bad request' },
  CALLREC_ERR_UNAUTHORIZED: { status: 401, message: 'missing or wrong bearer token' },
  CALLREC_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  CALLREC_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  CALLREC_ERR_SESSION_EXISTS: { status: 409, message: 'session id already in use or recorded' },
  CALLREC_ERR_SESSION_ACTIVE: { status: 409, message: 'session is still recording' },
  CALLREC_ERR_BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'request body must be application/json' },
  CALLREC_ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'range not satisfiable' },
  CALLREC_ERR_NO_PORTS: { status: 503, message: 'no free RTP ports' },
  CALLREC_ERR_SHUTTING_DOWN: { status: 503, message: 'shutting down: not taking new calls' },
  CALLREC_ERR_STORAGE: { status: 503, message: 'cannot write to the sessions directory' },
  CALLREC_ERR_WORKER: { status: 500, message: 'recording worker failed' },
  /** Anything unexpected: the cause is logged, the client only learns that it failed. */
  CALLREC_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type CallrecErrorCode = keyof typeof ERROR_TABLE;

const kCallrecError = Symbol.for('callrec.error');

export class CallrecError extends Error {
  readonly code: CallrecErrorCode;
  readonly status: number;
  readonly [kCallrecError] = true;

  /** `detail` replaces the table's message when given (it is shown to clients). */
  constructor(code: CallrecErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? ERROR_TABLE[code].message, options);
    this.name = 'CallrecError';
    this.code = code;
    this.status = ERROR_TABLE[code].status;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kCallrecError] === true;
  }
}

export function callrecError(code: CallrecErrorCode, detail?: string, cause?: unknown): CallrecError {
  return new CallrecError(code, detail, cause === undefined ? undefined : { cause });
}
