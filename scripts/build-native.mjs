#!/usr/bin/env node
/**
 * `npm ci` / `npm install` step: build the native RTP receiver (native/,
 * binding.gyp) with node-gyp, against the headers of the Node.js that runs
 * this script (never downloaded). Where it cannot be built (no C compiler,
 * no headers, not Linux) the install still succeeds: callrec then receives
 * RTP through node:dgram (`--rtp-io auto`), and says so at start.
 *
 *   node scripts/build-native.mjs           build, warn on failure
 *   node scripts/build-native.mjs --asan    build with AddressSanitizer (npm run test:asan)
 *   CALLREC_SKIP_NATIVE=1                   do not try
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const asan = process.argv.includes('--asan');
if (process.env.CALLREC_SKIP_NATIVE === '1') {
  console.log('callrec: native RTP receiver not built (CALLREC_SKIP_NATIVE=1); RTP goes through node:dgram');
  process.exit(0);
}
if (process.platform !== 'linux') {
  console.log(`callrec: native RTP receiver is Linux only (this is ${process.platform}); RTP goes through node:dgram`);
  process.exit(0);
}

// The headers of this very Node.js: <prefix>/include/node (Debian, NodeSource, nvm, the official tarballs).
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = ['rebuild'];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const env = { ...process.env };
if (asan) {
  env.CFLAGS = '-fsanitize=address -fno-omit-frame-pointer -g -O1';
  env.LDFLAGS = '-fsanitize=address';
}
// npm puts its own node-gyp on PATH for install scripts; outside npm, use the one npm bundles.
const bundled = path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const [command, commandArgs] = gyp ? [process.execPath, [gyp, ...args]] : ['node-gyp', args];
const result = spawnSync(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit'], env });
if (result.status === 0) {
  console.log(`callrec: native RTP receiver built${asan ? ' with AddressSanitizer' : ''} (build/Release/rtp_receiver.node)`);
  process.exit(0);
}
const why = result.error ? result.error.message : `node-gyp exited ${result.status}`;
if (asan) {
  console.error(`callrec: the AddressSanitizer build failed: ${why}`);
  process.exit(1);
}
console.log(`callrec: native RTP receiver not built (${why}; it needs a C compiler and make: apt-get install -y build-essential python3); RTP goes through node:dgram`);
