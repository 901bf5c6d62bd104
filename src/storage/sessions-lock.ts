/**
 * One recorder per sessions directory: `.callrec.pid` holds the owner's pid.
 * Two recorders on one directory would "recover" each other's live calls and
 * write the same files, so the second one stops with a clear line instead.
 * A lock left by a process that no longer exists (kill -9) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { callrecError } from '../errors.js';

export const LOCK_FILE = '.callrec.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SessionsLock {
  release(): Promise<void>;
}

export async function acquireSessionsLock(sessionsDir: string): Promise<SessionsLock> {
  const file = path.join(sessionsDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => unlink(file).catch(() => {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw callrecError('CALLREC_ERR_CONFIG', `--sessions-dir: ${sessionsDir} is in use by another callrec (pid ${pid})`);
      }
      await unlink(file).catch(() => {}); // stale: its owner is gone
    }
  }
  throw callrecError('CALLREC_ERR_CONFIG', `--sessions-dir: could not lock ${sessionsDir}`);
}
