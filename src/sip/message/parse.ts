/**
 * RFC 3261 §7 message parser: pure, bytes in, a SipMessage or a named
 * failure out. It never throws on input: garbage is a reason the transport
 * counts. Tolerated as RFC 3261 asks: CRLFs before the start line, compact
 * header names, folded lines (§7.3.1), whitespace before the colon, and bare
 * LF line ends from sloppy peers.
 *
 *   INVITE sip:srs@10.0.0.1 SIP/2.0\r\n          start line
 *   Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n  header: name ":" value
 *    ;received=10.0.0.2\r\n                       continuation (folded)
 *   l: 129\r\n                                    compact Content-Length
 *   \r\n                                          end of headers
 *   v=0 …                                         body (Content-Length bytes)
 */
import { canonicalHeaderName, isToken } from './header-names.js';
import type { SipHeader, SipMessage } from './message.js';

export const SIP_LIMITS = {
  /** Whole message (headers + body). */
  maxMessageBytes: 64 * 1024,
  /** Start line + headers. */
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 256,
} as const;

export type ParseFailure =
  | 'empty'
  | 'too_large'
  | 'no_header_end'
  | 'headers_too_large'
  | 'bad_start_line'
  | 'bad_header'
  | 'too_many_headers'
  | 'bad_content_length'
  | 'body_truncated';

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; reason: ParseFailure };

const CR = 0x0d;
const LF = 0x0a;
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) +(\S+) +SIP\/2\.0$/i;
const STATUS_LINE = /^SIP\/2\.0 +([1-6]\d\d)(?: (.*))?$/i;

/** Index just past the blank line that ends the headers (CRLFCRLF or LFLF), or -1. */
export function findHeaderEnd(buf: Buffer, from = 0): { headerEnd: number; bodyStart: number } | null {
  for (let i = from; i < buf.length - 1; i++) {
    if (buf[i] !== LF) continue;
    if (buf[i + 1] === LF) return { headerEnd: i, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { headerEnd: i, bodyStart: i + 3 };
  }
  return null;
}

/** Bytes of leading CRLF / LF keep-alive padding. */
export function leadingLineEnds(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
}

/**
 * Parse one message. `datagram`: the body is the rest of the datagram when
 * Content-Length is absent (RFC 3261 §18.3); on a stream the framer has
 * already cut the message at its Content-Length.
 */
export function parseSipMessage(input: Buffer, opts: { datagram: boolean } = { datagram: true }): ParseResult {
  if (input.length > SIP_LIMITS.maxMessageBytes) return { ok: false, reason: 'too_large' };
  const skip = leadingLineEnds(input);
  const buf = skip === 0 ? input : input.subarray(skip);
  if (buf.length === 0) return { ok: false, reason: 'empty' };
  const end = findHeaderEnd(buf);
  if (end === null) return { ok: false, reason: buf.length > SIP_LIMITS.maxHeaderBytes ? 'headers_too_large' : 'no_header_end' };
  if (end.headerEnd > SIP_LIMITS.maxHeaderBytes) return { ok: false, reason: 'headers_too_large' };

  const lines = buf.toString('utf8', 0, end.headerEnd).split(/\r?\n/);
  const startLine = lines[0].trim();
  const headers: SipHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) return { ok: false, reason: 'bad_header' };
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Folded continuation of the previous header (RFC 3261 §7.3.1).
      if (headers.length === 0) return { ok: false, reason: 'bad_header' };
      headers[headers.length - 1].value = `${headers[headers.length - 1].value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, reason: 'bad_header' };
    const rawName = line.slice(0, colon).trimEnd();
    if (!isToken(rawName)) return { ok: false, reason: 'bad_header' };
    if (headers.length >= SIP_LIMITS.maxHeaderCount) return { ok: false, reason: 'too_many_headers' };
    headers.push({ name: canonicalHeaderName(rawName), value: line.slice(colon + 1).trim() });
  }

  let contentLength: number | null = null;
  for (const h of headers) {
    if (h.name !== 'content-length') continue;
    if (!/^\d{1,9}$/.test(h.value)) return { ok: false, reason: 'bad_content_length' };
    const n = Number(h.value);
    if (contentLength !== null && contentLength !== n) return { ok: false, reason: 'bad_content_length' };
    contentLength = n;
  }
  const rest = buf.subarray(end.bodyStart);
  let body: Buffer;
  if (contentLength === null) body = opts.datagram ? rest : rest.subarray(0, 0);
  else if (contentLength > rest.length) return { ok: false, reason: 'body_truncated' };
  else body = rest.subarray(0, contentLength);

  const req = REQUEST_LINE.exec(startLine);
  if (req !== null) return { ok: true, message: { kind: 'request', method: req[1].toUpperCase(), uri: req[2], headers, body } };
  const res = STATUS_LINE.exec(startLine);
  if (res !== null) return { ok: true, message: { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body } };
  return { ok: false, reason: 'bad_start_line' };
}
