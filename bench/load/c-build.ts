/**
 * The bench's own C programs (rtp-sender.c, reference-receiver.c), compiled
 * with `cc -O2` next to their compiled JavaScript in dist/, once: again only
 * when the source is newer than the binary.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `name`: the file name without `.c` in bench/load/. Returns the binary's path. */
export function buildC(name: string): string {
  const source = fileURLToPath(new URL(`../../../bench/load/${name}.c`, import.meta.url));
  const binary = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  execFileSync('cc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  return binary;
}
