/**
 * The `Range` header of a download (RFC 9110 §14), for one file of `size`
 * bytes. Pure: no I/O.
 *
 *   bytes=0-499      first 500 bytes        → partial 0..499
 *   bytes=500-       from 500 to the end    → partial 500..size-1
 *   bytes=-500       the last 500 bytes     → partial size-500..size-1
 *   bytes=9999-      starts past the end    → unsatisfiable (416)
 *
 * A header we do not understand (another unit, bad syntax, last < first) is
 * ignored, as the RFC allows: the whole file is sent. So is a request for
 * several ranges: a 200 with the whole file is always a correct answer, and it
 * spares us multipart/byteranges.
 */

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const FULL: RangeResult = { kind: 'full' };
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' };
const SPEC = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/** `end` is inclusive, as in Content-Range. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined || header === '') return FULL;
  if (header.includes(',')) return FULL;
  const m = SPEC.exec(header);
  if (m === null) return FULL;
  const [, first, last] = m;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // Suffix: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL;
  if (start >= size) return UNSATISFIABLE;
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/**
 * `If-None-Match` (RFC 9110 §13.1.2) against the current `etag` of a file
 * that exists: true when the request's copy is current (answer 304). `*`
 * matches any existing file; a list matches when any of its entity tags
 * does, by the weak comparison (`W/"x"` matches `"x"`).
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = header.trim();
  if (value === '') return false;
  if (value === '*') return true;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const current = opaque(etag);
  for (const tag of value.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    if (opaque(tag) === current) return true;
  }
  return false;
}

/**
 * `If-Modified-Since` (RFC 9110 §13.1.3), only looked at without
 * `If-None-Match`: true when the file has not changed since that date
 * (to the second, as `Last-Modified` is). An unparsable date is ignored.
 */
export function notModifiedSince(header: string | undefined, mtimeMs: number): boolean {
  if (header === undefined || header === '') return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(mtimeMs / 1000) * 1000 <= since;
}
