/**
 * Checks on a request before any handler sees it (RFC 3261 §8.2): the
 * headers every response needs, a CSeq that matches the method, parsable
 * From/To/Request-URI, and the extensions a request requires (§8.2.2.3).
 * Pure: a request in, a reason or a list out.
 */
import { getHeader, getHeaders } from '../message/message.js';
import type { SipRequest } from '../message/message.js';
import { parseCSeq, parseNameAddr, parseTokens } from '../message/header-values.js';
import { parseUri } from '../message/uri.js';
import { SUPPORTED_TAGS } from './responses.js';

/** Why this request cannot be answered as it is (→ 400), or null. */
export function requestProblem(req: SipRequest): string | null {
  for (const name of ['from', 'to', 'call-id', 'cseq']) if (getHeader(req, name) === undefined) return `missing ${name}`;
  const cseq = parseCSeq(getHeader(req, 'cseq') as string);
  if (cseq === null) return 'bad CSeq';
  if (cseq.method.toUpperCase() !== req.method) return 'CSeq method does not match';
  if (parseNameAddr(getHeader(req, 'from') as string) === null) return 'bad From';
  if (parseNameAddr(getHeader(req, 'to') as string) === null) return 'bad To';
  if (parseUri(req.uri) === null) return 'bad Request-URI';
  return null;
}

/** Option tags in Require that we do not implement (→ 420 with Unsupported). */
export function unsupportedExtensions(req: SipRequest): string[] {
  return parseTokens(getHeaders(req, 'require')).filter((t) => !SUPPORTED_TAGS.has(t));
}
