/**
 * Finished recordings (SPEC §5): listing and lookup answered from the
 * in-memory index (no disk access per request); deletion through the
 * RecordingDeleter (refuses active calls).
 */
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { RecordingDeleter } from '../../retention/index.js';
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
