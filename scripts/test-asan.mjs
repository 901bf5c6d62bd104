#!/usr/bin/env node
/**
 * `npm run test:asan`: the native receiver built with AddressSanitizer, then
 * the suites that drive it hardest on the native path (both-path receiver
 * tests, latching rules, the 100,000-datagram fuzz, malformed-input and
 * backpressure suites), with libasan preloaded into node and into every
 * recorder the tests start. Any ASan report fails the run (halt_on_error).
 * Afterwards the normal build is restored. Needs gcc's libasan
 * (build-essential).
 *
 * Leak checking is off: Node itself keeps allocations until exit, which
 * LeakSanitizer would report; the addon allocates only its leg table.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SUITES = '^(ingest|robustness|media)/.*\\.test\\.ts$';

function sh(command, args, env = process.env) {
  const r = spawnSync(command, args, { stdio: 'inherit', env });
  return r.status === 0;
}

const asan = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout?.trim();
if (!asan || !path.isAbsolute(asan)) {
  console.error('test:asan needs gcc with libasan (apt-get install -y build-essential)');
  process.exit(1);
}
if (!sh(process.execPath, ['scripts/build-native.mjs', '--asan'])) process.exit(1);
const env = {
  ...process.env,
  LD_PRELOAD: asan,
  ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=1:exitcode=86',
  CALLREC_TEST_RTP_IO: 'native',
};
const ok = sh(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', SUITES], env);
console.log(ok ? '\ntest:asan: no AddressSanitizer report, all suites passed' : '\ntest:asan: FAILED (see the report above)');
sh(process.execPath, ['scripts/build-native.mjs']);
process.exit(ok ? 0 : 1);
