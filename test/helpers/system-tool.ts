/**
 * Tests that need a program the machine may not have (SIPp, Chromium, a C
 * compiler, PostgreSQL, …). On a machine that has only Node, `npm test` must
 * pass: such a suite is skipped with one visible line naming the Debian
 * package. Under CI (CI=true, as .ci/run runs) the tool must be there: a
 * missing one fails the run, so a skip can never pass for a green CI.
 */
import { spawnSync } from 'node:child_process';
import type { Test } from 'uvu';

export interface SystemTool {
  /** The command as the tests run it, e.g. "sipp". */
  command: string;
  /** Arguments that make it print its version and exit. */
  probe: readonly string[];
  /** The Debian package that provides it. */
  debianPackage: string;
}

/** True when `tool` runs here. Exported for tests of this helper. */
export function hasSystemTool(tool: SystemTool): boolean {
  const run = spawnSync(tool.command, tool.probe, { stdio: 'ignore', timeout: 10_000 });
  return run.error === undefined;
}

/**
 * Whether the suite can run. When the tool is missing: under CI one failing
 * test says what to install; elsewhere one line says what was skipped and
 * how to enable it, and the suite registers nothing.
 */
export function requireSystemTool(suite: Test, what: string, tool: SystemTool, env = process.env): boolean {
  if (hasSystemTool(tool)) return true;
  const install = `apt-get install -y ${tool.debianPackage}`;
  if (env.CI === 'true') {
    suite(`${what}: ${tool.command} is installed`, () => {
      throw new Error(`${tool.command} is not installed and CI=true, so this suite may not be skipped: ${install}`);
    });
  } else {
    console.log(`skipped: ${what} (needs ${tool.command}: ${install})`);
  }
  return false;
}
