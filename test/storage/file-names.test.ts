/**
 * isSafeAudioFileName: the one rule the audio route and crash recovery share
 * for a file name read from session_info.json. The names the two old rules
 * disagreed on (a space, non-ASCII letters, a hidden file) are answered once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSafeAudioFileName } from '../../src/storage/index.js';

const SAFE = [
  'incoming_20250304_050607.wav',
  'extra_agent-2_20250304_050607.wav',
  'MIXED.WAV',
  // Refused by recovery's old rule, served by the route's: now both accept them.
  'incoming call.wav',
  'appel entrant é.wav',
  'a'.repeat(251) + '.wav',
];

const UNSAFE: unknown[] = [
  '', '.', '..', '.wav',
  // Served by the route's old rule, refused by recovery's: a hidden file is callrec's own.
  '.metadata-reserve', '.incoming.wav',
  '../secret.wav', 'a/b.wav', '/etc/passwd.wav', 'a\\b.wav', '..\\secret.wav',
  'incoming\0.wav', 'incoming\n.wav', 'incoming\t.wav', 'incoming\x7f.wav', 'incoming\u0085.wav',
  'session_info.json', 'incoming.wav.tmp',
  'a'.repeat(252) + '.wav', 'é'.repeat(126) + '.wav',
  undefined, null, 42, ['incoming.wav'],
];

test('plain .wav names in the session directory are safe', () => {
  for (const name of SAFE) assert.ok(isSafeAudioFileName(name), `${JSON.stringify(name)} should be safe`);
});

test('paths, dot names, hidden files, control characters, non-WAV names, over 255 bytes and non-strings are not', () => {
  for (const name of UNSAFE) assert.not.ok(isSafeAudioFileName(name), `${JSON.stringify(name)} should not be safe`);
});

test.run();
