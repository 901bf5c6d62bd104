/**
 * A session's session_info.json as the recorder left it on disk, parsed.
 * Typed loosely on purpose: tests check fields the recorder may add.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OnDiskInfo = Record<string, any>;

export function readInfoFile(sessionsDir: string, id: string): OnDiskInfo {
  return JSON.parse(readFileSync(path.join(sessionsDir, id, 'session_info.json'), 'utf8')) as OnDiskInfo;
}
