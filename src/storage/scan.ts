/**
 * Start-up scan of the sessions directory: read every session_info.json
 * (bounded concurrency, async), sorting them into finished sessions (for the
 * index) and unfinished ones (interrupted by a crash: for recovery).
 * A directory without a readable session_info.json is reported, not fatal.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isValidSessionId } from './session-files.js';
import { readSessionInfo } from './session-info.js';
import type { SessionInfo } from './session-info.js';

const READ_CONCURRENCY = 64;

export interface ScanResult {
  finished: SessionInfo[];
  unfinished: SessionInfo[];
  unreadable: { dir: string; reason: string }[];
}

export async function scanSessionsDir(sessionsDir: string): Promise<ScanResult> {
  const entries = await readdir(sessionsDir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory() && isValidSessionId(e.name)).map((e) => e.name);
  const result: ScanResult = { finished: [], unfinished: [], unreadable: [] };
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const name = dirs[next++];
      const dir = path.join(sessionsDir, name);
      try {
        const info = await readSessionInfo(dir);
        if (info.session_id !== name) throw new Error(`session_id "${info.session_id}" does not match its directory`);
        (info.end_time === undefined ? result.unfinished : result.finished).push(info);
      } catch (err) {
        result.unreadable.push({ dir, reason: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, dirs.length) }, worker));
  return result;
}
