/**
 * Every CALLREC_ERR_* code in src/errors.ts is a row of README.md's "Error
 * codes" table with the same status, and every row is a code (as fastify's
 * test/internals/errors.test.js does with Errors.md).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_TABLE } from '../../src/errors.js';

function readmeRows(): Map<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README.md has an "## Error codes" section');
  const rows = new Map<string, string>();
  for (const m of section!.matchAll(/^\| `(CALLREC_ERR_[A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

test('every code in src/errors.ts is documented with its status, and every documented code exists', () => {
  const rows = readmeRows();
  for (const [code, { status }] of Object.entries(ERROR_TABLE)) {
    assert.ok(rows.has(code), `${code} is in the README table`);
    if (code !== 'CALLREC_ERR_CONFIG') assert.match(rows.get(code)!, new RegExp(`^${status}\\b`), `${code}: status ${status}`);
  }
  for (const code of rows.keys()) assert.ok(code in ERROR_TABLE, `${code} (README) is in src/errors.ts`);
});

test.run();
