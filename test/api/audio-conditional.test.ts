/**
 * Conditional audio downloads (issue 11): If-None-Match with the current
 * ETag, `*`, or a list holding it → 304 with no body (GET and HEAD), before
 * any Range; another ETag → the file as before (200/206/416); without
 * If-None-Match, If-Modified-Since not older than Last-Modified → 304.
 * Plus the pure helpers behind it.
 * RTP ports 50750-50799.
 */
import { mkdirSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ifNoneMatchHits, notModifiedSince } from '../../src/api/http-range.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { rawRequest, writeRecording } from './support.js';

const ID = 'cond-a';
let sessionsDir: string;
let server: ServerProcess;
let incoming: Buffer;
let incomingPath: string;

async function get(headers: Record<string, string> = {}, method = 'GET', leg = 'incoming') {
  const res = await fetch(`${server.url}/api/recordings/${ID}/audio/${leg}`, { method, headers });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-audio-conditional'), 'sessions');
  mkdirSync(sessionsDir);
  const info = writeRecording(sessionsDir, { id: ID, start: '2025-06-01T12:00:00.000000Z', legs: { incoming: 8000, outgoing: 8000, mixed: 8000 } });
  incomingPath = path.join(sessionsDir, ID, (info.files as Record<string, string>).incoming_audio);
  // A fixed mtime with milliseconds, so Last-Modified (seconds) is older than the mtime.
  const mtime = new Date('2025-06-01T12:00:10.750Z');
  utimesSync(incomingPath, mtime, mtime);
  incoming = readFileSync(incomingPath);
  server = await startServer({ sessionsDir, rtpPorts: '50750-50799' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('If-None-Match with the current ETag → 304, no body, the validators repeated', async () => {
  const full = await get();
  assert.is(full.status, 200);
  const etag = full.headers.get('etag') as string;
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/, 'a strong ETag');
  assert.is(full.headers.get('last-modified'), 'Sun, 01 Jun 2025 12:00:10 GMT');
  // Raw, so nothing between us and the server hides a body.
  const raw = await rawRequest(server.port, 'GET', `/api/recordings/${ID}/audio/incoming`, { 'If-None-Match': etag });
  assert.is(raw.status, 304);
  assert.is(raw.body, '', 'no body');
  assert.is(raw.headers.etag, etag);
  assert.is(raw.headers['last-modified'], full.headers.get('last-modified'));
  assert.is(raw.headers['content-type'], undefined);
  const head = await get({ 'if-none-match': etag }, 'HEAD');
  assert.is(head.status, 304);
  assert.is(head.body.length, 0);
});

test('If-None-Match: *, a list holding the ETag, and W/ (weak comparison) → 304', async () => {
  const etag = (await get()).headers.get('etag') as string;
  for (const value of ['*', ` * `, `"nope", ${etag}`, `${etag},"other"`, `W/${etag}`, `"a,b", W/"c" , ${etag}`]) {
    const res = await get({ 'if-none-match': value });
    assert.is(res.status, 304, value);
    assert.is(res.body.length, 0, value);
  }
});

test('a stale or foreign ETag gets the file: 200, Range 206 and 416 as without it', async () => {
  for (const value of ['"0-0"', '"nope", "other"', 'garbage', 'W/"x"']) {
    const res = await get({ 'if-none-match': value });
    assert.is(res.status, 200, value);
    assert.ok(res.body.equals(incoming), value);
  }
  const ranged = await get({ 'if-none-match': '"0-0"', range: 'bytes=0-9' });
  assert.is(ranged.status, 206);
  assert.ok(ranged.body.equals(incoming.subarray(0, 10)));
  const past = await get({ 'if-none-match': '"0-0"', range: `bytes=${incoming.length}-` });
  assert.is(past.status, 416);
  assert.is(past.headers.get('content-range'), `bytes */${incoming.length}`);
});

test('the current ETag is 304 even with a Range (validators first, RFC 9110 §13.2.2)', async () => {
  const etag = (await get()).headers.get('etag') as string;
  const ranged = await get({ 'if-none-match': etag, range: 'bytes=0-9' });
  assert.is(ranged.status, 304);
  const past = await get({ 'if-none-match': etag, range: `bytes=${incoming.length}-` });
  assert.is(past.status, 304);
});

test('If-Modified-Since (without If-None-Match): not older than Last-Modified → 304; older → 200', async () => {
  const lastModified = (await get()).headers.get('last-modified') as string;
  const same = await get({ 'if-modified-since': lastModified });
  assert.is(same.status, 304);
  const later = await get({ 'if-modified-since': 'Mon, 02 Jun 2025 00:00:00 GMT' });
  assert.is(later.status, 304);
  const earlier = await get({ 'if-modified-since': 'Sun, 01 Jun 2025 12:00:09 GMT' });
  assert.is(earlier.status, 200);
  assert.ok(earlier.body.equals(incoming));
  const bad = await get({ 'if-modified-since': 'yesterday' });
  assert.is(bad.status, 200);
  // If-None-Match wins: a foreign ETag is a full answer whatever the date says.
  const both = await get({ 'if-none-match': '"0-0"', 'if-modified-since': lastModified });
  assert.is(both.status, 200);
});

test('a new version of the file is not 304 for the old ETag', async () => {
  const old = (await get()).headers.get('etag') as string;
  const mtime = new Date('2025-06-01T12:05:00.000Z');
  utimesSync(incomingPath, mtime, mtime);
  const res = await get({ 'if-none-match': old });
  assert.is(res.status, 200);
  assert.is.not(res.headers.get('etag'), old);
});

test('ifNoneMatchHits and notModifiedSince (pure)', () => {
  assert.is(ifNoneMatchHits(undefined, '"a"'), false);
  assert.is(ifNoneMatchHits('', '"a"'), false);
  assert.is(ifNoneMatchHits('*', '"a"'), true);
  assert.is(ifNoneMatchHits('"a"', '"a"'), true);
  assert.is(ifNoneMatchHits('"b", "a"', '"a"'), true);
  assert.is(ifNoneMatchHits('W/"a"', '"a"'), true);
  assert.is(ifNoneMatchHits('"ab"', '"a"'), false);
  assert.is(ifNoneMatchHits('a', '"a"'), false);
  assert.is(notModifiedSince(undefined, 0), false);
  assert.is(notModifiedSince('Sun, 01 Jun 2025 12:00:10 GMT', Date.parse('2025-06-01T12:00:10.750Z')), true);
  assert.is(notModifiedSince('Sun, 01 Jun 2025 12:00:09 GMT', Date.parse('2025-06-01T12:00:10.750Z')), false);
  assert.is(notModifiedSince('nonsense', 0), false);
});

test.run();
