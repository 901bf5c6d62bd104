/**
 * readSecretFiles() (src/secret-files.ts): each named file's content goes
 * into its setting, without the line breaks an editor or `echo` ends it
 * with; an unreadable, empty or multi-line file is CALLREC_ERR_CONFIG with
 * one line naming the flag (or variable) and the file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { CallrecError } from '../src/errors.js';
import { readSecretFiles } from '../src/secret-files.js';
import { makeTempDir, removeTempDirs } from './helpers/temp-dir.js';

test.after(() => removeTempDirs());

function configWith(argv: string[]): Config {
  const parsed = parseConfig(argv, {});
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

function file(content: string): string {
  const p = path.join(makeTempDir('secret-file'), 'secret');
  writeFileSync(p, content);
  return p;
}

async function refusal(argv: string[]): Promise<CallrecError> {
  try {
    await readSecretFiles(configWith(argv));
  } catch (err) {
    assert.ok(err instanceof CallrecError, String(err));
    assert.is((err as CallrecError).code, 'CALLREC_ERR_CONFIG');
    assert.not.match((err as CallrecError).message, /\n/);
    return err as CallrecError;
  }
  throw new Error(`${argv.join(' ')}: accepted`);
}

test('the content, without trailing line breaks, becomes the setting; the result is frozen', async () => {
  const c = await readSecretFiles(configWith(['--api-token-file', file('tok en\n\n'), '--webhook-secret-file', file('key\r\n')]));
  assert.is(c.apiToken, 'tok en');
  assert.is(c.webhookSecret, 'key');
  assert.ok(Object.isFrozen(c));
});

test('without secret files the config is returned as it is', async () => {
  const c = configWith(['--api-token', 'direct']);
  assert.is(await readSecretFiles(c), c);
});

test('missing, a directory, empty, only a newline, or two lines: one line naming the flag and the file', async () => {
  const dir = makeTempDir('secret-dir');
  mkdirSync(path.join(dir, 'sub'));
  assert.match((await refusal(['--api-token-file', path.join(dir, 'none')])).message, /^--api-token-file: cannot read .*none \(ENOENT\)$/);
  assert.match((await refusal(['--api-token-file', path.join(dir, 'sub')])).message, /^--api-token-file: cannot read .*sub \(EISDIR\)$/);
  for (const content of ['', '\n', '\r\n']) {
    assert.match((await refusal(['--webhook-secret-file', file(content)])).message, /^--webhook-secret-file: .* is empty$/, JSON.stringify(content));
  }
  assert.match((await refusal(['--api-token-file', file('one\ntwo\n')])).message, /^--api-token-file: .* holds more than one line$/);
});

test.run();
