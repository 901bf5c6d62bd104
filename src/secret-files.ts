/**
 * --api-token-file, --webhook-secret-file: a secret read from a file, so it
 * is not on the command line for `ps` to show. Read once, at start, before
 * anything listens; parseConfig() stays synchronous and only names the files.
 */
import { readFile } from 'node:fs/promises';
import type { Config, SecretFile } from './config.js';
import { callrecError } from './errors.js';

async function readSecret(file: SecretFile): Promise<string> {
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw callrecError('CALLREC_ERR_CONFIG', `${file.source}: cannot read ${file.path} (${code})`);
  }
  // `echo token > file` and editors end the file with line breaks that are no part of the secret.
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw callrecError('CALLREC_ERR_CONFIG', `${file.source}: ${file.path} is empty`);
  // Sent as a header value (token) or used as a key: a line break inside is a mistake, not a secret.
  if (/[\r\n]/.test(value)) throw callrecError('CALLREC_ERR_CONFIG', `${file.source}: ${file.path} holds more than one line`);
  return value;
}

/** The config with each secret file's content in its setting; throws CALLREC_ERR_CONFIG (one line) on a bad file. */
export async function readSecretFiles(config: Config): Promise<Config> {
  if (config.secretFiles.length === 0) return config;
  const resolved: { -readonly [K in keyof Config]: Config[K] } = { ...config };
  for (const file of config.secretFiles) resolved[file.setting] = await readSecret(file);
  return Object.freeze(resolved);
}
