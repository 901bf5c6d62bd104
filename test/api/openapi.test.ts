/**
 * The OpenAPI document (src/api/openapi/document.ts) against the code:
 *   - every route the Koa app's routers register is documented (method and
 *     path, `:id` ↔ `{id}`), and every documented operation is routed;
 *   - the document is OpenAPI 3.1 in structure: required fields, operations
 *     with responses, path parameters declared, every $ref resolves;
 *   - every example (bodies, parameters) is valid against its schema, and
 *     every error example's code has the status it is listed under;
 *   - GET /openapi.json on a running recorder answers 200 with the same
 *     document, without a token when --api-token is set.
 * Schemas are checked by a small validator of our own for the subset the
 * document uses; a keyword outside that subset fails the test (so the
 * checker never silently ignores what it does not know). RTP ports 51300-51399.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/api/index.js';
import type { AppDeps } from '../../src/api/index.js';
import { openapiDocument } from '../../src/api/openapi/document.js';
import { FLAGS } from '../../src/config.js';
import { ERROR_TABLE } from '../../src/errors.js';
import { RecorderMetrics } from '../../src/metrics/index.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import { killServers, startServer } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc: Json = JSON.parse(JSON.stringify(openapiDocument));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ------------------------------------------------------------ the router

/** The Koa app as the recorder builds it, with stand-ins for what routing does not use. */
function routedOperations(): Set<string> {
  const dir = makeTempDir('openapi-routes');
  const deps = {
    registry: { size: 0, list: () => [], get: () => undefined, onFinalized: () => {} },
    pool: { state: () => ({ threads: 0, drainLoops: 0, queued: 0 }), ringStats: () => [] },
    index: new RecordingsIndex(dir),
    sessionsDir: dir,
    log: pino({ level: 'silent' }),
    apiToken: 'x',
  } as unknown as AppDeps;
  const app = createApp(deps);
  const ops = new Set<string>();
  let routers = 0;
  for (const mw of app.middleware) {
    const router = (mw as { router?: Router }).router;
    if (router === undefined) continue;
    routers++;
    for (const layer of router.stack) {
      const openapiPath = String(layer.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const method of layer.methods) ops.add(`${method.toLowerCase()} ${openapiPath}`);
    }
  }
  assert.ok(routers >= 7, `found only ${routers} routers in the app`);
  return ops;
}

function documentedOperations(): Set<string> {
  const ops = new Set<string>();
  for (const [p, item] of Object.entries<Json>(doc.paths)) for (const m of METHODS) if (item[m] !== undefined) ops.add(`${m} ${p}`);
  return ops;
}

test('every route the router registers is documented', () => {
  const documented = documentedOperations();
  // @koa/router answers HEAD for every GET route; HEAD need not be listed separately.
  const missing = [...routedOperations()].filter((op) => !documented.has(op) && !(op.startsWith('head ') && documented.has(`get ${op.slice(5)}`)));
  assert.equal(missing, [], `undocumented routes: ${missing.join(', ')}`);
});

test('every documented operation is routed', () => {
  const routed = routedOperations();
  const extra = [...documentedOperations()].filter((op) => !routed.has(op));
  assert.equal(extra, [], `documented but not routed: ${extra.join(', ')}`);
});

// ------------------------------------------------------------- structure

/** Resolve a local JSON pointer (`#/components/schemas/X`), or undefined. */
function resolvePointer(ref: string): Json {
  if (!ref.startsWith('#/')) return undefined;
  let at: Json = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

function walk(node: Json, visit: (node: Json, where: string) => void, where = '#'): void {
  if (node === null || typeof node !== 'object') return;
  visit(node, where);
  for (const [k, v] of Object.entries<Json>(node)) walk(v, visit, `${where}/${k}`);
}

function deref(node: Json): Json {
  for (let i = 0; node !== undefined && typeof node?.$ref === 'string' && i < 10; i++) node = resolvePointer(node.$ref);
  return node;
}

test('the document has the required OpenAPI 3.1 fields', () => {
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.type(doc.info?.title, 'string');
  assert.type(doc.info?.version, 'string');
  assert.type(doc.paths, 'object');
  assert.ok(doc.components?.securitySchemes?.bearerAuth, 'bearer security scheme');
  assert.is(doc.components.securitySchemes.bearerAuth.type, 'http');
  assert.is(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  const known = new Set(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs']);
  for (const key of Object.keys(doc)) assert.ok(known.has(key) || key.startsWith('x-'), `unknown top-level field ${key}`);
});

test('every operation: unique operationId, responses with status codes, path parameters declared, known security', () => {
  const ids = new Set<string>();
  const schemes = new Set(Object.keys(doc.components.securitySchemes));
  for (const [p, item] of Object.entries<Json>(doc.paths)) {
    assert.ok(p.startsWith('/'), p);
    const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const m of METHODS) {
      const op = item[m];
      if (op === undefined) continue;
      const where = `${m.toUpperCase()} ${p}`;
      assert.type(op.operationId, 'string', where);
      assert.not.ok(ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      const statuses = Object.keys(op.responses ?? {});
      assert.ok(statuses.length > 0, `${where}: no responses`);
      for (const s of statuses) assert.match(s, /^([1-5][0-9X]{2}|default)$/, `${where}: response key ${s}`);
      for (const s of statuses) assert.type(deref(op.responses[s])?.description, 'string', `${where} ${s}: description`);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      const declared = params.filter((x: Json) => x.in === 'path').map((x: Json) => x.name).sort();
      assert.equal(declared, templated, `${where}: path parameters`);
      for (const x of params) {
        assert.ok(['path', 'query', 'header', 'cookie'].includes(x.in), `${where}: parameter ${x.name} in ${x.in}`);
        if (x.in === 'path') assert.is(x.required, true, `${where}: path parameter ${x.name} must be required`);
      }
      for (const req of op.security ?? doc.security ?? []) for (const name of Object.keys(req)) assert.ok(schemes.has(name), `${where}: security ${name}`);
    }
  }
});

test('guarded operations document 401; /healthz and /openapi.json need no token', () => {
  for (const [p, item] of Object.entries<Json>(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (op === undefined) continue;
      const open = Array.isArray(op.security) && op.security.length === 0;
      assert.is(open, p === '/healthz' || p === '/openapi.json', `${m} ${p}: open`);
      if (!open) assert.ok(op.responses['401'], `${m} ${p}: 401 documented`);
    }
  }
});

test('every $ref resolves', () => {
  const broken: string[] = [];
  walk(doc, (node, where) => {
    if (typeof node.$ref === 'string' && resolvePointer(node.$ref) === undefined) broken.push(`${where}: ${node.$ref}`);
  });
  assert.equal(broken, []);
});

// ------------------------------------------------------ schema checking

const SCHEMA_KEYWORDS = new Set([
  '$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf',
  'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'format', 'default', 'description', 'examples', 'contentMediaType',
]);

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Errors of `value` against `schema` (the subset in SCHEMA_KEYWORDS); empty when valid. */
export function check(schema: Json, value: Json, at = '$'): string[] {
  if (schema.$ref !== undefined) {
    const target = resolvePointer(schema.$ref);
    return target === undefined ? [`${at}: unresolved ${schema.$ref}`] : check(target, value, at);
  }
  const errors: string[] = [];
  const unknown = Object.keys(schema).filter((k) => !SCHEMA_KEYWORDS.has(k));
  if (unknown.length > 0) return [`${at}: schema keyword(s) the checker does not know: ${unknown.join(', ')}`];
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${at}: ${t}, not ${types.join('|')}`];
  }
  if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) errors.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.some((e: Json) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${at}: ${JSON.stringify(value)} not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.oneOf !== undefined) {
    const passing = schema.oneOf.filter((s: Json) => check(s, value, at).length === 0).length;
    if (passing !== 1) errors.push(`${at}: matches ${passing} of the oneOf schemas, not exactly 1`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) errors.push(`${at}: not a date-time`);
    if (schema.format === 'uri' && !URL.canParse(value)) errors.push(`${at}: not a URI`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items !== undefined) value.forEach((v, i) => errors.push(...check(schema.items, v, `${at}[${i}]`)));
  if (typeOf(value) === 'object') {
    for (const key of schema.required ?? []) if (!Object.hasOwn(value, key)) errors.push(`${at}: missing ${key}`);
    const props = schema.properties ?? {};
    for (const [key, v] of Object.entries<Json>(value)) {
      if (Object.hasOwn(props, key)) errors.push(...check(props[key], v, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected field ${key}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(schema.additionalProperties, v, `${at}.${key}`));
    }
  }
  return errors;
}

test('the checker itself rejects what it should', () => {
  const errorSchema = { $ref: '#/components/schemas/Error' };
  assert.equal(check(errorSchema, { status: 'error', error: 'x', code: 'CALLREC_ERR_NOT_FOUND' }), []);
  assert.ok(check(errorSchema, { status: 'error', error: 'x' }).length > 0, 'missing code');
  assert.ok(check(errorSchema, { status: 'error', error: 'x', code: 'NOPE' }).length > 0, 'unknown code');
  assert.ok(check(errorSchema, { status: 'error', error: 'x', code: 'CALLREC_ERR_NOT_FOUND', extra: 1 }).length > 0, 'extra field');
  assert.ok(check({ type: 'string', minLength: 1 }, '').length > 0);
  assert.ok(check({ type: 'integer' }, 1.5).length > 0);
  assert.ok(check({ type: 'string', unevaluatedProperties: false }, 'x').length > 0, 'unknown keyword');
});

test('every schema uses only keywords the checker knows', () => {
  const bad: string[] = [];
  const visitSchema = (schema: Json, where: string): void => {
    if (schema === null || typeof schema !== 'object') return;
    for (const k of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(k)) bad.push(`${where}: ${k}`);
    for (const [k, v] of Object.entries<Json>(schema.properties ?? {})) visitSchema(v, `${where}/properties/${k}`);
    if (typeof schema.additionalProperties === 'object') visitSchema(schema.additionalProperties, `${where}/additionalProperties`);
    if (schema.items !== undefined) visitSchema(schema.items, `${where}/items`);
    (schema.oneOf ?? []).forEach((s: Json, i: number) => visitSchema(s, `${where}/oneOf/${i}`));
  };
  walk(doc, (node, where) => {
    if (node.schema !== undefined && typeof node.schema === 'object' && !where.endsWith('/properties')) visitSchema(node.schema, `${where}/schema`);
  });
  for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) visitSchema(schema, `#/components/schemas/${name}`);
  assert.equal(bad, []);
});

/** Media types and parameters: objects with a `schema` and `example` or `examples`. */
function examplesInDocument(): { where: string; schema: Json; value: Json }[] {
  const out: { where: string; schema: Json; value: Json }[] = [];
  walk(doc, (node, where) => {
    if (where.includes('/components/schemas') || node.schema === undefined) return;
    if (node.example !== undefined) out.push({ where: `${where}/example`, schema: node.schema, value: node.example });
    for (const [name, ex] of Object.entries<Json>(node.examples ?? {})) {
      const value = deref(ex)?.value;
      assert.ok(value !== undefined, `${where}/examples/${name}: no value`);
      out.push({ where: `${where}/examples/${name}`, schema: node.schema, value });
    }
  });
  return out;
}

test('every example is valid against its schema', () => {
  const examples = examplesInDocument();
  assert.ok(examples.length >= 40, `only ${examples.length} examples found`);
  const failures = examples.flatMap(({ where, schema, value }) => check(schema, value).map((e) => `${where}: ${e}`));
  assert.equal(failures, []);
});

test('every JSON answer with a body has an example; error examples carry a code of their status', () => {
  for (const [p, item] of Object.entries<Json>(doc.paths)) {
    for (const m of METHODS) {
      if (item[m] === undefined) continue;
      for (const [status, raw] of Object.entries<Json>(item[m].responses)) {
        const media = deref(raw).content?.['application/json'];
        if (media === undefined || p === '/openapi.json') continue;
        const examples = Object.values<Json>(media.examples ?? {}).map((e) => deref(e).value);
        assert.ok(examples.length > 0, `${m} ${p} ${status}: no example`);
        for (const value of examples) {
          if (value?.status !== 'error') continue;
          const code = value.code as keyof typeof ERROR_TABLE;
          assert.is(ERROR_TABLE[code]?.status, Number(status), `${m} ${p} ${status}: ${code} is a ${ERROR_TABLE[code]?.status}`);
        }
      }
    }
  }
});

test('every operation documents its unexpected failure: 500 with CALLREC_ERR_INTERNAL', () => {
  for (const [p, item] of Object.entries<Json>(doc.paths)) {
    for (const m of METHODS) {
      if (item[m] === undefined) continue;
      const raw = item[m].responses['500'];
      assert.ok(raw !== undefined, `${m} ${p}: no 500`);
      const codes = Object.values<Json>(deref(raw).content['application/json'].examples).map((e) => deref(e).value.code);
      assert.ok(codes.includes('CALLREC_ERR_INTERNAL'), `${m} ${p} 500: ${codes.join(', ')}`);
    }
  }
});

// ------------------------------------------------- docs/ against the code

const docsFile = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('docs/configuration.md: every flag of src/config.ts with its variable and default, and no other', () => {
  const text = docsFile('configuration.md');
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| `--([a-z-]+)` \| `?([A-Z_]*)`? \| (.*?) \|/.exec(line);
    if (m !== null) rows.set(m[1], `${m[2]} | ${m[3]}`);
  }
  for (const [name, spec] of Object.entries(FLAGS)) {
    const row = rows.get(name);
    assert.ok(row !== undefined, `--${name} is not in docs/configuration.md`);
    assert.ok(row.startsWith(`${spec.env} |`), `--${name}: variable ${spec.env} (row: ${row})`);
    if (spec.default !== undefined) assert.ok(row.includes(`\`${spec.default}\``), `--${name}: default ${spec.default} (row: ${row})`);
  }
  const extra = [...rows.keys()].filter((name) => name !== 'help' && !Object.hasOwn(FLAGS, name));
  assert.equal(extra, [], 'flags documented that src/config.ts does not have');
});

test('docs/metrics.md: every callrec_ metric family exposed, with its type, and no other', async () => {
  const metrics = new RecorderMetrics({
    registry: { size: 0, list: () => [], onFinalized: () => {} },
    pool: { state: () => ({ threads: 0, drainLoops: 0, queued: 0 }), ringStats: () => [] },
    index: new RecordingsIndex(makeTempDir('openapi-metrics')),
  } as unknown as ConstructorParameters<typeof RecorderMetrics>[0]);
  const exposed = (await metrics.registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('callrec_'));
  assert.ok(exposed.length >= 15, `only ${exposed.length} callrec_ families`);
  const text = docsFile('metrics.md');
  const documented = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| `(callrec_[a-z_]+)` \| (counter|gauge|histogram|summary) \|/.exec(line);
    if (m !== null) documented.set(m[1], m[2]);
  }
  for (const m of exposed) assert.is(documented.get(m.name), String(m.type), `${m.name} (${m.type}) in docs/metrics.md`);
  const names = new Set(exposed.map((m) => m.name));
  const extra = [...documented.keys()].filter((name) => !names.has(name));
  assert.equal(extra, [], 'families documented that /metrics does not expose');
});

// ---------------------------------------------------------- served live

test('GET /openapi.json answers the document, without a token when --api-token is set', async () => {
  const dir = path.join(makeTempDir('openapi'), 'sessions');
  const server = await startServer({ sessionsDir: dir, rtpPorts: '51300-51399', args: ['--api-token', 'openapi-test-token'] });
  const guarded = await server.request('GET', '/api/recordings');
  assert.is(guarded.status, 401, 'the token is enforced elsewhere');
  const res = await server.request('GET', '/openapi.json');
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.body, doc);
  const head = await server.request('HEAD', '/openapi.json');
  assert.is(head.status, 200);
  const post = await server.request('POST', '/openapi.json', {});
  // Only GET and HEAD are open: another method goes on to the token check (then 405 with the token).
  assert.is(post.status, 401, 'POST /openapi.json without a token');
  const posted = await server.request('POST', '/openapi.json', {}, { authorization: 'Bearer openapi-test-token' });
  assert.is(posted.status, 405, 'POST /openapi.json with the token');
  assert.is(posted.body.code, 'CALLREC_ERR_METHOD_NOT_ALLOWED');
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test.run();
