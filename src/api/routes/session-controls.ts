/**
 * Recording controls on a live call (PCI pause/resume, discard). Each answers
 * the session as GET /api/sessions shows it; repeating a control is 200 with
 * no change.
 */
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { PauseBehavior, SessionRegistry } from '../../session/index.js';
import { isValidSessionId } from '../../storage/index.js';
import { readJsonBody } from '../json-body.js';

const BEHAVIORS: readonly PauseBehavior[] = ['silence', 'skip'];

function sessionId(id: string): string {
  if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_NOT_FOUND', 'no such session');
  return id;
}

export function sessionControlRoutes(registry: SessionRegistry): Router {
  const router = new Router();

  router.post('/api/sessions/:id/pause', async (ctx) => {
    const id = sessionId(ctx.params.id);
    const body = await readJsonBody(ctx);
    const behavior = body.behavior ?? 'silence';
    if (!BEHAVIORS.includes(behavior as PauseBehavior)) {
      throw callrecError('CALLREC_ERR_INVALID_BODY', 'behavior must be "silence" or "skip"');
    }
    const unknown = Object.keys(body).filter((k) => k !== 'behavior');
    if (unknown.length > 0) throw callrecError('CALLREC_ERR_INVALID_BODY', `unknown field(s): ${unknown.join(', ')}`);
    ctx.body = { status: 'success', session: registry.pause(id, behavior as PauseBehavior).toJSON() };
  });

  router.post('/api/sessions/:id/resume', async (ctx) => {
    const id = sessionId(ctx.params.id);
    ctx.body = { status: 'success', session: (await registry.resume(id)).toJSON() };
  });

  router.post('/api/sessions/:id/discard', async (ctx) => {
    const id = sessionId(ctx.params.id);
    ctx.body = { status: 'success', session: (await registry.discard(id)).toJSON() };
  });

  return router;
}
