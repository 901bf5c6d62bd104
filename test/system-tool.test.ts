/**
 * The rule for suites that need a system tool: skipped with one line on a
 * machine without it, a failing test under CI, run where it is installed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Test } from 'uvu';
import { hasSystemTool, requireSystemTool } from './helpers/system-tool.js';

const MISSING = { command: 'callrec-no-such-tool', probe: ['--version'], debianPackage: 'callrec-no-such-package' };
const PRESENT = { command: process.execPath, probe: ['--version'], debianPackage: 'nodejs' };

function fakeSuite(): { suite: Test; registered: Array<{ name: string; fn: () => unknown }> } {
  const registered: Array<{ name: string; fn: () => unknown }> = [];
  const suite = ((name: string, fn: () => unknown) => void registered.push({ name, fn })) as unknown as Test;
  return { suite, registered };
}

function captureConsole(run: () => void): string[] {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    run();
  } finally {
    console.log = original;
  }
  return lines;
}

test('a tool that runs is found; a missing one is not', () => {
  assert.ok(hasSystemTool(PRESENT));
  assert.not.ok(hasSystemTool(MISSING));
});

test('missing, outside CI: one line naming the package, nothing registered', () => {
  const { suite, registered } = fakeSuite();
  let ok = true;
  const lines = captureConsole(() => (ok = requireSystemTool(suite, 'demo suite', MISSING, {})));
  assert.is(ok, false);
  assert.is(registered.length, 0);
  assert.is(lines.length, 1);
  assert.match(lines[0], /^skipped: demo suite .*apt-get install -y callrec-no-such-package/);
});

test('missing, under CI: one test that fails and says what to install', () => {
  const { suite, registered } = fakeSuite();
  const lines = captureConsole(() => assert.is(requireSystemTool(suite, 'demo suite', MISSING, { CI: 'true' }), false));
  assert.is(lines.length, 0, 'no skip line under CI');
  assert.is(registered.length, 1);
  assert.throws(() => registered[0].fn(), /apt-get install -y callrec-no-such-package/);
});

test('present: the suite runs, nothing printed or registered', () => {
  const { suite, registered } = fakeSuite();
  const lines = captureConsole(() => assert.ok(requireSystemTool(suite, 'demo suite', PRESENT, { CI: 'true' })));
  assert.equal([lines.length, registered.length], [0, 0]);
});

test.run();
