/**
 * Names and places of a session's files (SPEC §4). Pure: no I/O.
 *
 *   {sessionsDir}/{session_id}/incoming_YYYYMMDD_HHMMSS.wav
 *                             /outgoing_YYYYMMDD_HHMMSS.wav
 *                             /mixed_YYYYMMDD_HHMMSS.wav
 *                             /session_info.json
 */
import path from 'node:path';

export const SESSION_INFO_FILE = 'session_info.json';

/** SPEC §2a: the only session ids callrec accepts, anywhere. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A valid id that is also not `.` or `..` (which the pattern alone allows). */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID_PATTERN.test(id) && id !== '.' && id !== '..';
}

export type AudioKind = 'incoming' | 'outgoing' | 'mixed' | 'stereo';

/** "20241225_143022" from the session's start time, in UTC. */
export function fileStamp(startMs: number): string {
  const d = new Date(startMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function audioFileName(kind: AudioKind, startMs: number): string {
  return `${kind}_${fileStamp(startMs)}.wav`;
}

/** Directory of a session; the id must already be valid (checked here again). */
export function sessionDir(sessionsDir: string, sessionId: string): string {
  if (!isValidSessionId(sessionId)) throw new TypeError(`invalid session id: ${JSON.stringify(sessionId)}`);
  return path.join(sessionsDir, sessionId);
}

/**
 * ISO 8601 UTC with microseconds, as the SPEC shows: 2024-12-25T14:30:22.123456Z.
 * `epochMs` may carry a fraction of a millisecond.
 */
export function isoMicros(epochMs: number): string {
  let whole = Math.floor(epochMs);
  let micros = Math.round((epochMs - whole) * 1000);
  if (micros === 1000) {
    whole += 1;
    micros = 0;
  }
  const base = new Date(whole).toISOString(); // ...SS.mmmZ
  return `${base.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}
