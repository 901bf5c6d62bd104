#!/usr/bin/env node
/**
 * `npm test`: the whole suite with RTP read by the native receiver (or by
 * node:dgram where the addon is not built), then every suite that sends RTP
 * again on node:dgram, so both receive paths carry the same tests.
 *
 *   node scripts/test.mjs [pattern]   only the test files whose path matches
 *
 * The recorders the tests start get `--rtp-io` from CALLREC_TEST_RTP_IO
 * (test/helpers/server.ts). Outside CI a missing addon is one skip line;
 * under CI=true it fails the run (CI installs build-essential).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const ALL = '\\.test\\.ts$';
/** The suites that send RTP to a recorder (their paths under test/). */
const RTP_SUITES = '^(media|e2e|sip|robustness|session|controls|webhook|ingest)/.*\\.test\\.ts$|^api/metrics\\.test\\.ts$';
const filter = process.argv[2] === undefined ? null : new RegExp(process.argv[2]);

function nativeProblem() {
  try {
    createRequire(import.meta.url)('../build/Release/rtp_receiver.node');
    return null;
  } catch (err) {
    return err.code === 'MODULE_NOT_FOUND' ? 'not built' : err.message;
  }
}

function run(label, io, pattern) {
  const combined = filter === null ? pattern : `(?=.*(?:${filter.source}))(?:${pattern})`;
  console.log(`\n== ${label} (--rtp-io ${io}) ==`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', combined], {
    stdio: 'inherit',
    env: { ...process.env, CALLREC_TEST_RTP_IO: io },
  });
  return result.status === 0;
}

const why = nativeProblem();
let ok = true;
if (why === null) {
  ok = run('all tests, native receive path', 'native', ALL) && ok;
  ok = run('the RTP suites again, node:dgram receive path', 'dgram', RTP_SUITES) && ok;
} else if (process.env.CI === 'true') {
  console.error(`the native RTP receiver is ${why}: CI must build and test it (apt-get install -y build-essential python3, then npm ci)`);
  ok = run('all tests, node:dgram receive path', 'dgram', ALL) && false;
} else {
  console.log(`skipped: the native RTP receive path (the addon is ${why}; it needs a C compiler: apt-get install -y build-essential)`);
  ok = run('all tests, node:dgram receive path', 'dgram', ALL);
}
process.exit(ok ? 0 : 1);
