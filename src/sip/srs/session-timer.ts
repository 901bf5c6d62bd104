/**
 * Session timers (RFC 4028). When the SRC asks for one (Session-Expires and
 * `timer` in Supported/Require), we accept it with `refresher=uac`: the SRC
 * refreshes with re-INVITE or UPDATE, and we never have to. If no refresh
 * comes, the recording ends with a BYE shortly before expiry (§10).
 * A request without `timer` support gets no session timer from us.
 */
import { getHeader, getHeaders } from '../message/message.js';
import type { SipHeader, SipRequest } from '../message/message.js';
import { parseTokens } from '../message/header-values.js';

/** Our Min-SE (RFC 4028 recommends 90 s). */
export const MIN_SE = 90;

export type SessionTimerDecision =
  | { kind: 'none' }
  | { kind: 'too_small'; minSe: number }
  | { kind: 'accept'; expires: number };

function deltaSeconds(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^\s*(\d{1,10})/.exec(value);
  return m === null ? null : Number(m[1]);
}

export function readSessionTimer(req: SipRequest): SessionTimerDecision {
  const expires = deltaSeconds(getHeader(req, 'session-expires'));
  if (expires === null) return { kind: 'none' };
  const tags = parseTokens([...getHeaders(req, 'supported'), ...getHeaders(req, 'require')]);
  if (!tags.includes('timer')) return { kind: 'none' };
  const minSe = Math.max(MIN_SE, deltaSeconds(getHeader(req, 'min-se')) ?? 0);
  if (expires < MIN_SE) return { kind: 'too_small', minSe };
  return { kind: 'accept', expires };
}

/** Headers that accept a session timer in a 2xx. */
export function sessionTimerHeaders(expires: number): SipHeader[] {
  return [
    { name: 'session-expires', value: `${expires};refresher=uac` },
    { name: 'require', value: 'timer' },
  ];
}

/** When the non-refreshing side ends the session: expiry minus min(32 s, expiry / 3) (RFC 4028 §10). */
export function byeAfterMs(expires: number): number {
  return (expires - Math.min(32, expires / 3)) * 1000;
}
