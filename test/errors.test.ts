/**
 * Error codes (like fastify's test/internals/errors.test.js): every code in
 * ERROR_TABLE is in README.md's error table with the same status, and every
 * code there is in ERROR_TABLE; CallrecError carries code and status and is
 * recognised across copies of the module (Symbol.for brand, as undici does).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CallrecError, ERROR_TABLE, callrecError } from '../src/errors.js';
import type { CallrecErrorCode } from '../src/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `| \`CALLREC_ERR_X\` | 400 | meaning |` rows of the README's "Error codes" table. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const m = /^\|\s*`(CALLREC_ERR_[A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (m) {
      assert.not.ok(rows.has(m[1]), `${m[1]} is listed twice in README.md`);
      rows.set(m[1], m[2]);
    }
  }
  return rows;
}

const codes = Object.keys(ERROR_TABLE) as CallrecErrorCode[];

test('the README has an error table', () => {
  assert.ok(readmeTable().size >= 5, 'no error table rows found in README.md');
});

test('every ERROR_TABLE code is in the README error table', () => {
  const rows = readmeTable();
  const missing = codes.filter((c) => !rows.has(c));
  assert.equal(missing, [], `not documented in README.md: ${missing.join(', ')}`);
});

test('every README error code is in ERROR_TABLE', () => {
  const extra = [...readmeTable().keys()].filter((c) => !(c in ERROR_TABLE));
  assert.equal(extra, [], `documented but not in ERROR_TABLE: ${extra.join(', ')}`);
});

test('the README status of every code is its ERROR_TABLE status', () => {
  const rows = readmeTable();
  const wrong = codes.filter((c) => rows.has(c) && rows.get(c) !== String(ERROR_TABLE[c].status)).map((c) => `${c}: README "${rows.get(c)}", ERROR_TABLE ${ERROR_TABLE[c].status}`);
  assert.equal(wrong, [], wrong.join('; '));
});

test('every CALLREC_ERR_* string in src/ and workers/ is a code of ERROR_TABLE', () => {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/CALLREC_ERR_[A-Z0-9_]*[A-Z0-9]/g)) found.set(m[0], path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, 'src'));
  walk(path.join(ROOT, 'workers'));
  assert.ok(found.size > 0);
  const unknown = [...found].filter(([c]) => !(c in ERROR_TABLE)).map(([c, f]) => `${c} (${f})`);
  assert.equal(unknown, [], `not in ERROR_TABLE: ${unknown.join(', ')}`);
});

test('table entries: CALLREC_ERR_ names, HTTP error statuses, a message each', () => {
  for (const code of codes) {
    assert.match(code, /^CALLREC_ERR_[A-Z0-9_]+$/);
    const { status, message } = ERROR_TABLE[code];
    assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: status ${status}`);
    assert.ok(typeof message === 'string' && message.length > 0 && !message.includes('\n'), `${code}: message`);
  }
});

test('CallrecError: code, status and the table message; a detail replaces the message', () => {
  for (const code of codes) {
    const e = new CallrecError(code);
    assert.instance(e, Error);
    assert.instance(e, CallrecError);
    assert.is(e.name, 'CallrecError');
    assert.is(e.code, code);
    assert.is(e.status, ERROR_TABLE[code].status);
    assert.is(e.message, ERROR_TABLE[code].message);
    assert.ok(typeof e.stack === 'string');
  }
  const d = new CallrecError('CALLREC_ERR_NOT_FOUND', 'no such recording: x');
  assert.is(d.message, 'no such recording: x');
  assert.is(d.status, 404);
});

test('callrecError(code, detail, cause) keeps the cause', () => {
  const cause = new Error('ENOSPC');
  const e = callrecError('CALLREC_ERR_STORAGE', 'disk full', cause);
  assert.is(e.code, 'CALLREC_ERR_STORAGE');
  assert.is(e.message, 'disk full');
  assert.is(e.cause, cause);
  assert.is(callrecError('CALLREC_ERR_WORKER').cause, undefined);
  assert.is(callrecError('CALLREC_ERR_WORKER').message, ERROR_TABLE.CALLREC_ERR_WORKER.message);
});

test('instanceof works across copies of the module (Symbol.for brand) and only for branded objects', () => {
  const fromAnotherCopy = Object.assign(new Error('x'), { [Symbol.for('callrec.error')]: true, code: 'CALLREC_ERR_NOT_FOUND', status: 404 });
  assert.ok(fromAnotherCopy instanceof CallrecError);
  assert.not.ok(new Error('plain') instanceof CallrecError);
  assert.not.ok(Object.assign(new Error('x'), { code: 'CALLREC_ERR_NOT_FOUND' }) instanceof CallrecError);
  assert.not.ok((null as unknown) instanceof CallrecError);
  assert.not.ok(('CALLREC_ERR_NOT_FOUND' as unknown) instanceof CallrecError);
});

test.run();
