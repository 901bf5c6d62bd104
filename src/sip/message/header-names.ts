/**
 * SIP header names (RFC 3261 §7.3.3, §20): compact forms expand to their long
 * names, and every name is kept in lower case so lookups are case-blind. The
 * serializer prints the conventional spelling back.
 */

/** Compact form → long name (RFC 3261 §7.3.3 and later registrations). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Spellings that capitalising each dash-separated word gets wrong. */
const DISPLAY: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'min-se': 'Min-SE',
  'www-authenticate': 'WWW-Authenticate',
  rack: 'RAck',
  rseq: 'RSeq',
  'mime-version': 'MIME-Version',
};

/** RFC 3261 `token` characters: a header name is one token. */
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** The lower-case long name of a header as it appeared on the wire. */
export function canonicalHeaderName(raw: string): string {
  const lower = raw.toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** How the serializer writes a (canonical) header name. */
export function displayHeaderName(name: string): string {
  const special = DISPLAY[name];
  if (special !== undefined) return special;
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * Headers whose value is a comma-separated list (RFC 3261 §7.3.1); their
 * values may be split, any other header's commas are data (e.g. a Date).
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'require',
  'proxy-require',
  'supported',
  'unsupported',
  'allow',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'allow-events',
]);
