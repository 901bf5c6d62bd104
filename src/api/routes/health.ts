/** GET /healthz: ready and alive (SPEC §6); always open, even with --api-token. */
import { statfs } from 'node:fs/promises';
import Router from '@koa/router';
import type { RecorderPool } from '../../pool/index.js';
import type { SessionRegistry } from '../../session/index.js';

export function healthRoutes(registry: SessionRegistry, pool: RecorderPool, sessionsDir: string): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    let disk: { free_bytes: number; total_bytes: number } | null = null;
    try {
      const s = await statfs(sessionsDir);
      disk = { free_bytes: s.bavail * s.bsize, total_bytes: s.blocks * s.bsize };
    } catch {
      disk = null;
    }
    ctx.body = {
      status: 'ok',
      active_calls: registry.size,
      disk,
      workers: pool.state(),
      rings: pool.ringStats(),
    };
  });
  return router;
}
