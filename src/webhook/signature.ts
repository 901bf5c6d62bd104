/**
 * Webhook signatures: `X-Callrec-Signature: sha256=<hex HMAC-SHA256 of the
 * exact body bytes>`, keyed with --webhook-secret. A receiver recomputes it
 * over the raw body it read (before any JSON parsing) and compares in
 * constant time.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Callrec-Signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
