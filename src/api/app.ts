/**
 * createApp(deps) → a Koa app that does not listen: the error middleware
 * first, then one router per route group.
 */
import Koa from 'koa';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import type { SessionRegistry } from '../session/index.js';
import type { RecordingsIndex } from '../storage/index.js';
import { errorMiddleware } from './error-middleware.js';
import { healthRoutes } from './routes/health.js';
import { recordingRoutes } from './routes/recordings.js';
import { sessionRoutes } from './routes/sessions.js';

export interface AppDeps {
  registry: SessionRegistry;
  index: RecordingsIndex;
  pool: RecorderPool;
  sessionsDir: string;
  log: Logger;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by errorMiddleware, never printed twice
  app.use(errorMiddleware(deps.log.child({ mod: 'api' })));
  for (const router of [
    healthRoutes(deps.registry, deps.pool, deps.sessionsDir),
    sessionRoutes(deps.registry),
    recordingRoutes(deps.index),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
