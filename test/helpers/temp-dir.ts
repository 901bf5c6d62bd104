/**
 * Temporary directories for a test file: each test gets its own sessions
 * directory; removeTempDirs() in teardown removes them all (set
 * CALLREC_TEST_KEEP=1 to keep them for a post-mortem).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `callrec-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  if (process.env.CALLREC_TEST_KEEP === '1') {
    if (made.length > 0) process.stderr.write(`kept test dirs: ${made.join(' ')}\n`);
    made.length = 0;
    return;
  }
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
