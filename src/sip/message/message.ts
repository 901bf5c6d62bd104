/**
 * A parsed SIP message: start line, headers in wire order (names canonical,
 * lower case, values unfolded) and the body bytes. Accessors look headers up
 * by any spelling, compact or long.
 */
import { LIST_HEADERS, canonicalHeaderName } from './header-names.js';
import { splitList } from './header-values.js';

export interface SipHeader {
  /** Canonical lower-case long name, e.g. `call-id` for `i`. */
  name: string;
  value: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** The first value of a header, or undefined. */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const key = canonicalHeaderName(name);
  for (const h of msg.headers) if (h.name === key) return h.value;
  return undefined;
}

/** Every value of a header, in order; list headers split on their commas. */
export function getHeaders(msg: SipMessage, name: string): string[] {
  const key = canonicalHeaderName(name);
  const out: string[] = [];
  const isList = LIST_HEADERS.has(key);
  for (const h of msg.headers) {
    if (h.name !== key) continue;
    if (isList) out.push(...splitList(h.value));
    else out.push(h.value);
  }
  return out;
}
