#!/usr/bin/env -S node --single-threaded-gc
/**
 * callrec CLI: config → start → signal handling. Nothing else lives here.
 * Exit codes: 0 after a clean shutdown or --help; 2 for bad configuration
 * (one line on stderr, before anything is recorded); 1 for anything else.
 */
import { parseConfig, usage } from './config.js';
import { CallrecError } from './errors.js';
import { createLogger } from './log.js';
import { readSecretFiles } from './secret-files.js';
import { startRecorder } from './server.js';

/** A second SIGTERM/SIGINT sooner than this after the first is the same signal delivered twice. */
const DUPLICATE_SIGNAL_MS = 1000;

/** Bad configuration: one line on stderr, exit 2; anything else is rethrown (exit 1). */
function exitOnConfigError(err: unknown): never {
  if (err instanceof CallrecError && err.code === 'CALLREC_ERR_CONFIG') {
    process.stderr.write(`callrec: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`callrec: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  let config;
  try {
    config = await readSecretFiles(parsed.config);
  } catch (err) {
    exitOnConfigError(err);
  }
  const log = createLogger(config.logLevel);
  for (const { variable, closest } of parsed.unknownVariables) {
    log.warn({ variable, closest }, `unknown environment variable ${variable} ignored; did you mean ${closest}?`);
  }
  let recorder;
  try {
    recorder = await startRecorder(config, log);
  } catch (err) {
    exitOnConfigError(err);
  }
  let signalledAt = -1;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalledAt >= 0) {
      // `npm start` forwards the signal a supervisor or a terminal already sent to the
      // whole group: a repeat within a second is that copy, not a request to hurry.
      if (performance.now() - signalledAt < DUPLICATE_SIGNAL_MS) return;
      log.warn({ signal }, 'second signal: exiting without finishing');
      process.exit(1);
    }
    signalledAt = performance.now();
    log.info({ signal }, 'signal received');
    recorder.close().then(
      () => process.exit(0),
      (err) => {
        log.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  process.stderr.write(`callrec: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
