/**
 * Finished recordings (SPEC §5), answered from the in-memory index.
 */
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { RecordingQuery, RecordingsIndex } from '../../storage/index.js';
import { isValidSessionId } from '../../storage/index.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

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

export function parseRecordingQuery(q: Record<string, unknown>): RecordingQuery {
  return {
    limit: intParam(q.limit, 'limit', DEFAULT_LIMIT, MAX_LIMIT),
    offset: intParam(q.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    callerId: stringParam(q.caller_id, 'caller_id'),
    calledNumber: stringParam(q.called_number, 'called_number'),
    fromMs: timeParam(q.from, 'from'),
    toMs: timeParam(q.to, 'to'),
  };
}

export function recordingRoutes(index: RecordingsIndex): Router {
  const router = new Router();

  router.get('/api/recordings', (ctx) => {
    const { total, recordings } = index.query(parseRecordingQuery(ctx.query));
    ctx.body = { status: 'success', total_recordings: total, recordings };
  });

  router.get('/api/recordings/:id', (ctx) => {
    const id = ctx.params.id;
    const recording = isValidSessionId(id) ? index.get(id) : null;
    if (recording === null) throw callrecError('CALLREC_ERR_NOT_FOUND', 'no such recording');
    ctx.body = { status: 'success', recording };
  });

  return router;
}
