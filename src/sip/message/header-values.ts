/**
 * Header value grammars that the recorder needs (RFC 3261 §20, §25): lists,
 * `;param=value` tails, name-addr (From/To/Contact), Via, CSeq, and MIME
 * Content-Type (RFC 2045). Pure: strings in, plain objects out; a value that
 * does not parse gives null, never a throw.
 */

/** Split a list header on commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  return splitOutside(value, ',', true)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Remove surrounding double quotes and backslash escapes. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/**
 * `;a=1;b;c="x;y"` → Map { a → '1', b → '', c → 'x;y' } (names lower-cased,
 * values unquoted). Text before the first `;` is ignored.
 */
export function parseParams(tail: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of splitOutside(tail, ';', false).slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    params.set(name, eq === -1 ? '' : unquote(part.slice(eq + 1)));
  }
  return params;
}

/** Split on `sep` outside double quotes (and, with `angles`, outside <…>); parts untrimmed. */
function splitOutside(text: string, sep: string, angles: boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (angles && c === '<') depth++;
    else if (angles && c === '>') depth = Math.max(0, depth - 1);
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

export interface NameAddr {
  display: string | null;
  uri: string;
  /** Header parameters (after the `>`, or after the URI when there are no brackets). */
  params: Map<string, string>;
}

/** `"Alice" <sip:alice@a.com>;tag=1` or `sip:alice@a.com;tag=1` (RFC 3261 §20.10). */
export function parseNameAddr(value: string): NameAddr | null {
  const v = value.trim();
  const lt = indexOutsideQuotes(v, '<');
  if (lt !== -1) {
    const gt = v.indexOf('>', lt);
    if (gt === -1) return null;
    const display = unquote(v.slice(0, lt)).trim();
    const uri = v.slice(lt + 1, gt).trim();
    if (uri === '') return null;
    return { display: display === '' ? null : display, uri, params: parseParams(`x${v.slice(gt + 1)}`) };
  }
  if (v === '' || v.includes('"')) return null;
  // addr-spec form: URI parameters cannot be told from header parameters, so all are header ones.
  const semi = v.indexOf(';');
  const uri = (semi === -1 ? v : v.slice(0, semi)).trim();
  return { display: null, uri, params: parseParams(semi === -1 ? '' : v.slice(semi)) };
}

/** Index of the first `ch` outside double quotes, or -1 (the quote rules of splitOutside). */
function indexOutsideQuotes(text: string, ch: string): number {
  const parts = splitOutside(text, ch, false);
  return parts.length === 1 ? -1 : parts[0].length;
}

export interface Via {
  /** Upper case, e.g. UDP, TCP, TLS. */
  transport: string;
  host: string;
  port: number | null;
  params: Map<string, string>;
}

/** `SIP/2.0/UDP host:port;branch=z9hG4bK…;rport` (RFC 3261 §20.42). */
export function parseVia(value: string): Via | null {
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+([^;\s]+)\s*(;.*)?$/i.exec(value);
  if (m === null) return null;
  const hostPort = parseHostPort(m[2]);
  if (hostPort === null) return null;
  return { transport: m[1].toUpperCase(), host: hostPort.host, port: hostPort.port, params: parseParams(m[3] ?? '') };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
export function parseHostPort(text: string): { host: string; port: number | null } | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (m === null) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host: m[1].startsWith('[') ? m[1].slice(1, -1) : m[1], port };
}

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq | null {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9.!%*_+`'~-]+)\s*$/.exec(value);
  if (m === null) return null;
  const seq = Number(m[1]);
  if (seq > 0xffffffff) return null;
  return { seq, method: m[2] };
}

export interface ContentType {
  /** `type/subtype`, lower case. */
  mediaType: string;
  params: Map<string, string>;
}

/** `multipart/mixed; boundary="a b"` (RFC 2045 §5.1). */
export function parseContentType(value: string): ContentType | null {
  const semi = value.indexOf(';');
  const mediaType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9!#$&.+^_-]+\/[a-z0-9!#$&.+^_-]+$/.test(mediaType)) return null;
  return { mediaType, params: parseParams(semi === -1 ? '' : value.slice(semi)) };
}

/** Option tags of Require / Supported / Unsupported values, lower case. */
export function parseTokens(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const t of v.split(',')) if (t.trim() !== '') out.push(t.trim().toLowerCase());
  return out;
}
