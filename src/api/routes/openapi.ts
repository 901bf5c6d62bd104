/**
 * GET /openapi.json: the API's OpenAPI 3.1 document (src/api/openapi/),
 * serialized once. Always open, even with --api-token: it holds no data.
 * Mounted before the token check; the returned middleware carries its
 * router (`.router`, as @koa/router's own routes() does) so the document's
 * test finds this route like the others.
 */
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { openapiDocument } from '../openapi/document.js';

export const OPENAPI_PATH = '/openapi.json';

export function openapiRoutes(): Middleware & { router: Router } {
  const router = new Router();
  const text = `${JSON.stringify(openapiDocument, null, 2)}\n`;
  router.get(OPENAPI_PATH, (ctx) => {
    ctx.body = text;
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
  });
  const routes = router.routes();
  const allowed = router.allowedMethods();
  const middleware = ((ctx: Context, next: Next) => routes(ctx as never, () => allowed(ctx as never, next))) as Middleware & { router: Router };
  middleware.router = router;
  return middleware;
}
