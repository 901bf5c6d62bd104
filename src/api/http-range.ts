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
