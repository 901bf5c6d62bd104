/** GET /metrics: Prometheus text exposition (SPEC §6); behind --api-token like /api/*. */
import Router from '@koa/router';
import type { RecorderMetrics } from '../../metrics/index.js';

export function metricsRoutes(metrics: RecorderMetrics): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.body = await metrics.metrics();
    ctx.type = metrics.contentType;
  });
  return router;
}
