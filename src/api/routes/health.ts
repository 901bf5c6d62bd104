/**
 * GET /healthz: ready and alive; always open, even with --api-token. 200
 * "ok" while a new call would be taken, else 503 "unavailable" with the
 * `reasons` (shutting_down, disk_full, no_free_ports) and Retry-After.
 * Active calls, the sessions directory's file system (free, used, total),
 * the recordings indexed, the worker pool and its rings.
 */
import Router from '@koa/router';
import { nativeReceiveStats, rtpIo } from '../../ingest/index.js';
import type { RecorderPool } from '../../pool/index.js';
import type { SessionRegistry } from '../../session/index.js';
import { diskSpace } from '../../storage/index.js';
import type { RecordingsIndex } from '../../storage/index.js';

export interface HealthDeps {
  registry: SessionRegistry;
  pool: RecorderPool;
  index: RecordingsIndex;
  sessionsDir: string;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    // 503 whenever a new call would be refused, so a load balancer stops sending them.
    const reasons = await deps.registry.refusals();
    ctx.status = reasons.length === 0 ? 200 : 503;
    if (reasons.length > 0) ctx.set('Retry-After', '5');
    ctx.body = {
      status: reasons.length === 0 ? 'ok' : 'unavailable',
      reasons,
      rtp_io: rtpIo(),
      native_receive: rtpIo() === 'native' ? nativeReceiveStats() : null,
      active_calls: deps.registry.size,
      recordings: deps.index.size,
      disk: await diskSpace(deps.sessionsDir),
      workers: deps.pool.state(),
      rings: deps.pool.ringStats(),
    };
  });
  return router;
}
