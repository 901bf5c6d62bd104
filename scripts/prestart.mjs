/**
 * Runs before `npm start`, which starts the built recorder (dist/).
 * In a checkout with the dev dependencies it builds first, so dist/ matches
 * src/. In a production install (`npm ci --omit=dev`, no TypeScript) it only
 * checks that dist/ is there: nothing is compiled at start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // No dev dependencies: a production install.
}
if (tsc !== null) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
if (!existsSync(new URL('../dist/src/main.js', import.meta.url))) {
  process.stderr.write('callrec: dist/ is missing and TypeScript is not installed: build once with `npm ci && npm run build`, then `npm prune --omit=dev` (docs/install.md)\n');
  process.exit(1);
}
