/**
 * session_info.json (SPEC §4): the shape, and an atomic writer (temp file in
 * the same directory, fsync, rename), so a reader or a crash never sees half
 * a file.
 */
import { open, rename, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SESSION_INFO_FILE } from './session-files.js';

export type SessionStatus = 'recording' | 'completed' | 'recovered' | 'discarded';

/** Per-file key → file name, e.g. incoming_audio → incoming_20241225_143022.wav. */
export type SessionFiles = Record<string, string>;

export interface LegStats {
  packets: number;
  bytes: number;
  recorded: number;
  lost: number;
  duplicates: number;
  late: number;
  dropped: Record<string, number>;
  [extra: string]: unknown;
}

export interface SessionInfo {
  session_id: string;
  caller_id: string;
  called_number: string;
  start_time: string;
  end_time?: string;
  duration_seconds?: number;
  status: SessionStatus;
  files: SessionFiles;
  /** Bytes of each file in `files`, so listings never stat the disk. */
  file_bytes?: Record<string, number>;
  source?: 'http' | 'sip';
  stats?: Record<string, LegStats>;
  errors?: string[];
  [extra: string]: unknown;
}

/** Makes every temp name unique within the process, however fast writes come. */
let tempCounter = 0;

export async function writeSessionInfo(dir: string, info: SessionInfo): Promise<void> {
  const target = path.join(dir, SESSION_INFO_FILE);
  const temp = `${target}.${process.pid}.${++tempCounter}.tmp`;
  const handle = await open(temp, 'w');
  try {
    try {
      await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    // A failed write (e.g. ENOSPC) leaves nothing behind: the old file stays whole.
    await rm(temp, { force: true });
    throw err;
  }
}

export async function readSessionInfo(dir: string): Promise<SessionInfo> {
  const text = await readFile(path.join(dir, SESSION_INFO_FILE), 'utf8');
  const info = JSON.parse(text) as SessionInfo;
  if (typeof info !== 'object' || info === null || typeof info.session_id !== 'string') {
    throw new TypeError(`${SESSION_INFO_FILE} in ${dir} is not a session record`);
  }
  return info;
}
