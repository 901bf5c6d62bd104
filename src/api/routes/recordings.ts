/**
 * Finished recordings (SPEC §5): listing and lookup answered from the
 * in-memory index (no disk access per request); deletion through the
 * RecordingDeleter (refuses active calls). The listing's query is checked
 * strictly: an unknown parameter, one given twice, a bad `status`, or a
 * number filter that starts with a space (an unencoded `+`) is a 400, never
 * "everything".
 */
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { RecordingDeleter } from '../../retention/index.js';
import type { RecordingQuery, RecordingsIndex } from '../../storage/index.js';
import { RECORDING_STATUSES, isValidSessionId } from '../../storage/index.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Every query parameter GET /api/recordings takes; any other is a 400. */
const KNOWN_PARAMS = ['limit', 'offset', 'caller_id', 'called_number', 'from', 'to', 'status'] as const;

function intParam(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) > max) {
    throw callrecError('CALLREC_ERR_INVALID_QUERY', `${name} must be an integer from 0 to ${max}`);
  }
  return Number(value);
}

function timeParam(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw callrecError('CALLREC_ERR_INVALID_QUERY', `${name} must be an ISO 8601 time`);
  return ms;
}

function stringParam(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw callrecError('CALLREC_ERR_INVALID_QUERY', `${name} must be given once`);
  return value;
}

/** A phone number filter: an unencoded `+` arrives as a space, which no stored number starts with. */
function numberParam(value: unknown, name: string): string | undefined {
  const s = stringParam(value, name);
  if (s !== undefined && s.startsWith(' ')) {
    throw callrecError(
      'CALLREC_ERR_INVALID_QUERY',
      `${name} starts with a space: an unencoded "+" in a query string is a space; write "+" as %2B (${name}=%2B${encodeURIComponent(s.trimStart())})`,
    );
  }
  return s;
}

function statusParam(value: unknown): string | undefined {
  const s = stringParam(value, 'status');
  if (s !== undefined && !(RECORDING_STATUSES as readonly string[]).includes(s)) {
    throw callrecError('CALLREC_ERR_INVALID_QUERY', `status must be one of ${RECORDING_STATUSES.join(', ')} (got "${s}")`);
  }
  return s;
}

export function parseRecordingQuery(q: Record<string, unknown>): RecordingQuery {
  const unknown = Object.keys(q).filter((k) => !(KNOWN_PARAMS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => `"${k}"`).join(', ');
    throw callrecError(
      'CALLREC_ERR_INVALID_QUERY',
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${names}: GET /api/recordings takes ${KNOWN_PARAMS.join(', ')}`,
    );
  }
  for (const name of KNOWN_PARAMS) {
    if (Array.isArray(q[name])) throw callrecError('CALLREC_ERR_INVALID_QUERY', `${name} must be given once`);
  }
  return {
    limit: intParam(q.limit, 'limit', DEFAULT_LIMIT, MAX_LIMIT),
    offset: intParam(q.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    callerId: numberParam(q.caller_id, 'caller_id'),
    calledNumber: numberParam(q.called_number, 'called_number'),
    status: statusParam(q.status),
    fromMs: timeParam(q.from, 'from'),
    toMs: timeParam(q.to, 'to'),
  };
}

function validId(id: string): string {
  if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$');
  return id;
}

export function recordingRoutes(index: RecordingsIndex, deleter: RecordingDeleter): Router {
  const router = new Router();

  router.get('/api/recordings', (ctx) => {
    const { total, recordings } = index.query(parseRecordingQuery(ctx.query));
    ctx.body = { status: 'success', total_recordings: total, recordings };
  });

  router.get('/api/recordings/:id', (ctx) => {
    const id = validId(ctx.params.id);
    const recording = index.get(id);
    if (recording === null) throw callrecError('CALLREC_ERR_NOT_FOUND', `no recording "${id}"`);
    ctx.body = { status: 'success', recording };
  });

  router.delete('/api/recordings/:id', async (ctx) => {
    const id = validId(ctx.params.id);
    await deleter.delete(id, { reason: 'api' });
    ctx.body = { status: 'success', session_id: id, message: `recording ${id} deleted` };
  });

  return router;
}
