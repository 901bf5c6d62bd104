/**
 * GET /healthz: ready and alive (SPEC §6); always open, even with --api-token.
 * Active calls, the sessions directory's file system (free, used, total),
 * the recordings indexed, the worker pool and its rings.
 */
import { statfs } from 'node:fs/promises';
import Router from '@koa/router';
import type { RecorderPool } from '../../pool/index.js';
import type { SessionRegistry } from '../../session/index.js';
import type { RecordingsIndex } from '../../storage/index.js';

export interface HealthDeps {
  registry: SessionRegistry;
  pool: RecorderPool;
  index: RecordingsIndex;
  sessionsDir: string;
}

async function diskOf(dir: string): Promise<{ free_bytes: number; used_bytes: number; total_bytes: number } | null> {
  try {
    const s = await statfs(dir);
    return {
      free_bytes: s.bavail * s.bsize,
      used_bytes: (s.blocks - s.bfree) * s.bsize,
      total_bytes: s.blocks * s.bsize,
    };
  } catch {
    return null;
  }
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    ctx.body = {
      status: 'ok',
      active_calls: deps.registry.size,
      recordings: deps.index.size,
      disk: await diskOf(deps.sessionsDir),
      workers: deps.pool.state(),
      rings: deps.pool.ringStats(),
    };
  });
  return router;
}
