/**
 * The one rule for a file name read from session_info.json (`files`), used by
 * the audio download route and by crash recovery alike, so a name one of them
 * accepts is never refused by the other. Metadata on disk may have been
 * edited or damaged: a name must never steer a read or a write outside the
 * session directory, nor onto a file callrec keeps for itself.
 */

/** NAME_MAX of the file systems we run on: a longer name cannot exist, so it is refused before any open(). */
const MAX_FILE_NAME_BYTES = 255;

/**
 * A plain name of an audio file in the session directory:
 * - no '/', no '\\', not '.' or '..': a name, never a path;
 * - no NUL and no control characters (C0, DEL, C1): they cut a path short in C,
 *   and would end up in a Content-Disposition header and in logs;
 * - at most 255 bytes in UTF-8;
 * - not starting with '.': the directory's hidden files (`.metadata-reserve`)
 *   are callrec's own bookkeeping, not audio to serve or rewrite;
 * - ending in `.wav`: every audio file callrec writes is one, recovery rewrites
 *   its header in place and the route serves it as audio/wav.
 * Anything else printable (spaces, non-ASCII letters) is allowed: it cannot
 * leave the directory, and a file someone renamed by hand is still served.
 */
export function isSafeAudioFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    !name.startsWith('.') && // also '.' and '..'
    name.toLowerCase().endsWith('.wav') &&
    Buffer.byteLength(name, 'utf8') <= MAX_FILE_NAME_BYTES &&
    !/[/\\\u0000-\u001f\u007f-\u009f]/.test(name)
  );
}
