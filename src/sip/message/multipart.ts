/**
 * MIME multipart bodies (RFC 2046 §5.1) as SIPREC uses them (RFC 7866 §9,
 * RFC 5621): `multipart/mixed;boundary=…` holding `application/sdp` and
 * `application/rs-metadata+xml` parts, the latter with
 * `Content-Disposition: recording-session`.
 *
 *   --boundary CRLF                      delimiter (preamble before it ignored)
 *   Content-Type: application/sdp CRLF   part headers
 *   CRLF
 *   v=0 …                                part body
 *   CRLF --boundary-- CRLF               close delimiter (epilogue ignored)
 *
 * Tolerant of bare-LF line ends, whitespace after a delimiter, a missing
 * close delimiter and nested multiparts; pure and non-throwing.
 */
import { canonicalHeaderName } from './header-names.js';
import { parseContentType } from './header-values.js';
import type { ContentType } from './header-values.js';

export interface BodyPart {
  contentType: ContentType | null;
  /** Content-Disposition value's first token, lower case (e.g. `recording-session`), or null. */
  disposition: string | null;
  headers: Map<string, string>;
  body: Buffer;
}

const MAX_PARTS = 32;
const MAX_DEPTH = 3;

/**
 * The leaf parts of a body, depth first. A body that is not multipart is
 * returned as its single part; a multipart without a usable boundary gives [].
 */
export function bodyParts(contentTypeValue: string | undefined, body: Buffer, depth = 0): BodyPart[] {
  const contentType = contentTypeValue === undefined ? null : parseContentType(contentTypeValue);
  if (contentType === null || !contentType.mediaType.startsWith('multipart/')) {
    return [{ contentType, disposition: null, headers: new Map(), body }];
  }
  const boundary = contentType.params.get('boundary');
  if (boundary === undefined || boundary === '' || boundary.length > 200 || depth >= MAX_DEPTH) return [];
  const out: BodyPart[] = [];
  for (const raw of splitMultipart(body, boundary)) {
    const part = parsePart(raw);
    if (part === null) continue;
    const ct = part.headers.get('content-type');
    if (part.contentType?.mediaType.startsWith('multipart/')) out.push(...bodyParts(ct, part.body, depth + 1));
    else out.push(part);
    if (out.length >= MAX_PARTS) break;
  }
  return out;
}

/** The raw bytes of each part between delimiters. */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let pos = findDelimiter(body, delimiter, 0);
  while (pos !== -1 && parts.length < MAX_PARTS) {
    let after = pos + delimiter.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) break; // close delimiter
    // Transport padding, then the line end.
    while (after < body.length && (body[after] === 0x20 || body[after] === 0x09)) after++;
    if (body[after] === 0x0d) after++;
    if (body[after] === 0x0a) after++;
    const next = findDelimiter(body, delimiter, after);
    const end = next === -1 ? body.length : next;
    // The line end before the next delimiter belongs to the delimiter.
    let partEnd = end;
    if (next !== -1) {
      if (body[partEnd - 1] === 0x0a) partEnd--;
      if (body[partEnd - 1] === 0x0d) partEnd--;
    }
    parts.push(body.subarray(after, Math.max(after, partEnd)));
    pos = next;
  }
  return parts;
}

/** A delimiter is `--boundary` at the start of the body or of a line. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let i = body.indexOf(delimiter, from);
  while (i !== -1) {
    if (i === 0 || body[i - 1] === 0x0a) return i;
    i = body.indexOf(delimiter, i + 1);
  }
  return -1;
}

function parsePart(raw: Buffer): BodyPart | null {
  // A part with no headers starts with its blank line.
  let headerEnd = -1;
  let bodyStart = 0;
  if (raw[0] === 0x0a) bodyStart = 1;
  else if (raw[0] === 0x0d && raw[1] === 0x0a) bodyStart = 2;
  else {
    for (let i = 0; i < raw.length - 1; i++) {
      if (raw[i] !== 0x0a) continue;
      if (raw[i + 1] === 0x0a) {
        headerEnd = i;
        bodyStart = i + 2;
        break;
      }
      if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
        headerEnd = i;
        bodyStart = i + 3;
        break;
      }
    }
    if (headerEnd === -1) return null;
  }
  const headers = new Map<string, string>();
  if (headerEnd !== -1) {
    let last: string | null = null;
    for (const line of raw.toString('utf8', 0, headerEnd).split(/\r?\n/)) {
      if ((line.startsWith(' ') || line.startsWith('\t')) && last !== null) {
        headers.set(last, `${headers.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = canonicalHeaderName(line.slice(0, colon).trim());
      if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
    }
  }
  const ct = headers.get('content-type');
  const disposition = headers.get('content-disposition');
  return {
    contentType: ct === undefined ? null : parseContentType(ct),
    disposition: disposition === undefined ? null : disposition.split(';')[0].trim().toLowerCase(),
    headers,
    body: raw.subarray(bodyStart),
  };
}
