export { WebhookNotifier } from './notifier.js';
export type { WebhookOptions, WebhookState } from './notifier.js';
export type { WebhookEvent } from './payload.js';
export { SIGNATURE_HEADER, signBody } from './signature.js';
export { retryDelayMs } from './backoff.js';
export { PENDING_DIR } from './pending-store.js';
export { isWebhookUrlAllowed, parseWebhookAllow } from './allow.js';
export type { WebhookAllowRule } from './allow.js';
