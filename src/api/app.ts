/**
 * createApp(deps) → a Koa app that does not listen: the error middleware
 * first, then request metrics, then the bearer token check (when
 * --api-token is set), then one router per route group.
 */
import Koa from 'koa';
import type { Logger } from '../log.js';
import { RecorderMetrics } from '../metrics/index.js';
import type { RecorderPool } from '../pool/index.js';
import { RecordingDeleter } from '../retention/index.js';
import type { SessionRegistry } from '../session/index.js';
import type { RecordingsIndex } from '../storage/index.js';
import { bearerAuth } from './bearer-auth.js';
import { errorMiddleware } from './error-middleware.js';
import { logAppError } from './app-error-log.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { recordingAudioRoutes } from './routes/recording-audio.js';
import { recordingRoutes } from './routes/recordings.js';
import { sessionControlRoutes } from './routes/session-controls.js';
import { sessionRoutes } from './routes/sessions.js';
import type { WebhookAllowRule } from '../webhook/index.js';

export interface AppDeps {
  registry: SessionRegistry;
  index: RecordingsIndex;
  pool: RecorderPool;
  sessionsDir: string;
  log: Logger;
  /** `Authorization: Bearer <token>` required on all but /healthz; null or absent: open. */
  apiToken?: string | null;
  /** Shared with retention; made here when absent. */
  deleter?: RecordingDeleter;
  /** Made here when absent (its own prom-client Registry per app). */
  metrics?: RecorderMetrics;
  /** --webhook-allow: hosts a per-call webhook_url may name; null or absent: any. */
  webhookAllow?: readonly WebhookAllowRule[] | null;
}

export function createApp(deps: AppDeps): Koa {
  const { registry, index, pool, sessionsDir, log } = deps;
  const deleter = deps.deleter ?? new RecordingDeleter({ index, sessions: registry, sessionsDir, log });
  const metrics = deps.metrics ?? new RecorderMetrics({ registry, pool, index });
  const app = new Koa();
  const apiLog = log.child({ mod: 'api' });
  app.silent = true; // never printed to stderr: errorMiddleware and the 'error' listener log them as JSON
  app.on('error', logAppError(apiLog));
  app.use(errorMiddleware(apiLog));
  app.use(metrics.httpMiddleware());
  app.use(openapiRoutes()); // GET /openapi.json: before the token check, it holds no data
  if (deps.apiToken !== undefined && deps.apiToken !== null) app.use(bearerAuth(deps.apiToken));
  for (const router of [
    healthRoutes({ registry, pool, index, sessionsDir }),
    metricsRoutes(metrics),
    sessionRoutes(registry, { webhookAllow: deps.webhookAllow ?? null }),
    sessionControlRoutes(registry),
    recordingRoutes(index, deleter),
    recordingAudioRoutes({ index, sessions: registry, sessionsDir }),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
