/**
 * Session control (SPEC §2a): start a recording, end it, list the live ones.
 * Routes validate, call the registry, and shape JSON; nothing else.
 */
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { SessionRegistry } from '../../session/index.js';
import { isValidSessionId } from '../../storage/index.js';
import { readJsonBody } from '../json-body.js';
import { isWebhookUrlAllowed } from '../../webhook/index.js';
import type { WebhookAllowRule } from '../../webhook/index.js';

/** Printable, no control characters; long enough for any E.164 or SIP user part. */
const PARTY_PATTERN = /^[^\u0000-\u001f\u007f]{1,128}$/u;

function partyField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || !PARTY_PATTERN.test(value)) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', `${name} must be a string of 1 to 128 printable characters`);
  }
  return value;
}

function webhookUrl(value: unknown, allow: readonly WebhookAllowRule[] | null): string {
  let url: URL | null = null;
  try {
    url = typeof value === 'string' && value.length <= 2048 ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', 'webhook_url must be an http or https URL of at most 2048 characters');
  }
  if (allow !== null && !isWebhookUrlAllowed(url, allow)) {
    throw callrecError('CALLREC_ERR_INVALID_BODY', `webhook_url: host ${url.host} is not allowed by --webhook-allow`);
  }
  return url.href;
}

export interface SessionRouteOptions {
  /** --webhook-allow: hosts a per-call webhook_url may name (null: any). */
  webhookAllow?: readonly WebhookAllowRule[] | null;
}

export function sessionRoutes(registry: SessionRegistry, options: SessionRouteOptions = {}): Router {
  const webhookAllow = options.webhookAllow ?? null;
  const router = new Router();

  router.post('/api/sessions', async (ctx) => {
    const body = await readJsonBody(ctx);
    const known = new Set(['caller_id', 'called_number', 'session_id', 'stereo', 'webhook_url']);
    const unknown = Object.keys(body).filter((k) => !known.has(k));
    if (unknown.length > 0) throw callrecError('CALLREC_ERR_INVALID_BODY', `unknown field(s): ${unknown.join(', ')}`);
    const callerId = partyField(body, 'caller_id');
    const calledNumber = partyField(body, 'called_number');
    let sessionId: string | undefined;
    if (body.session_id !== undefined) {
      if (!isValidSessionId(body.session_id)) {
        throw callrecError('CALLREC_ERR_INVALID_ID', 'session_id must match ^[A-Za-z0-9._-]{1,64}$ (and not be "." or "..")');
      }
      sessionId = body.session_id;
    }
    if (body.stereo !== undefined && typeof body.stereo !== 'boolean') throw callrecError('CALLREC_ERR_INVALID_BODY', 'stereo must be true or false');
    const extraInfo: Record<string, unknown> = {};
    if (body.webhook_url !== undefined) extraInfo.webhook_url = webhookUrl(body.webhook_url, webhookAllow);
    const session = await registry.create({
      sessionId,
      callerId,
      calledNumber,
      source: 'http',
      stereo: body.stereo as boolean | undefined,
      extraInfo,
    });
    const view = session.toJSON();
    ctx.status = 201;
    ctx.body = { status: 'success', session_id: session.id, start_time: session.startIso, rtp: view.rtp };
  });

  router.post('/api/sessions/:id/hangup', async (ctx) => {
    const id = ctx.params.id;
    if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_NOT_FOUND', 'no such session');
    ctx.body = await registry.hangup(id, 'api_hangup');
  });

  router.get('/api/sessions', (ctx) => {
    ctx.body = { status: 'success', sessions: registry.list().map((s) => s.toJSON()) };
  });

  return router;
}
