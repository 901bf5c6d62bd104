/**
 * `npm start` and the `callrec` command run the recorder with NODE_FLAGS
 * (src/node-flags.ts), the flags the tests and the bench start it with: they
 * must not drift apart.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NODE_FLAGS } from '../src/node-flags.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

test('package.json "start" is exec node + NODE_FLAGS + dist/src/main.js', () => {
  // exec: the shell npm runs the script with becomes node, so a supervisor's SIGTERM to npm reaches the recorder.
  assert.is(pkg.scripts.start, ['exec', 'node', ...NODE_FLAGS, 'dist/src/main.js'].join(' '));
});

test('the callrec command (package.json "bin", run through its #! line) passes the same flags', () => {
  const main = readFileSync(new URL('../src/main.ts', import.meta.url), 'utf8');
  assert.is(main.split('\n')[0], ['#!/usr/bin/env -S node', ...NODE_FLAGS].join(' '));
});

test('every flag is one this Node accepts (node refuses unknown V8 flags with a non-zero exit)', () => {
  const run = spawnSync(process.execPath, [...NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
});

test.run();
