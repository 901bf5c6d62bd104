/**
 * --on-complete names a program that runs only once a call has finished: a
 * typo in it would surface hours later as a failed hook on every recording.
 * Checked at start instead, the way spawn() will look for it: a name with a
 * slash as a path (from the working directory), a bare name through PATH.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { callrecError } from '../errors.js';

/** What spawn() (libuv) searches when PATH is not set at all. */
const DEFAULT_PATH = '/usr/bin:/bin';

/** Why `file` cannot be run, or null when it is an executable regular file. */
async function notRunnable(file: string): Promise<string | null> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code})`;
  }
  if (!isFile) return 'is not a regular file';
  try {
    await access(file, constants.X_OK);
    return null;
  } catch {
    return 'is not executable';
  }
}

/**
 * Resolves when `program` can be started; else throws CALLREC_ERR_CONFIG
 * naming `source` (the flag or variable that set the command).
 */
export async function checkCommandProgram(program: string, source: string, searchPath = process.env.PATH ?? DEFAULT_PATH): Promise<void> {
  if (program === '') throw callrecError('CALLREC_ERR_CONFIG', `${source}: the program name is empty`);
  if (program.includes('/')) {
    const why = await notRunnable(path.resolve(program));
    if (why !== null) throw callrecError('CALLREC_ERR_CONFIG', `${source}: the program ${program} ${why}`);
    return;
  }
  // As execvp: the first PATH entry holding an executable file wins; an empty entry is the working directory.
  for (const dir of searchPath.split(path.delimiter)) {
    if ((await notRunnable(path.resolve(dir, program))) === null) return;
  }
  throw callrecError('CALLREC_ERR_CONFIG', `${source}: the program ${program} is not an executable file in any PATH directory`);
}
