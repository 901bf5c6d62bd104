/**
 * GET /api/recordings strictness and GET /api/recordings/:id completeness
 * (issue 11): the listing's `status` filter (an unknown status is a 400); a
 * caller_id/called_number that starts with a space (an unencoded `+`) is a
 * 400 that says to write %2B; an unknown query parameter is a 400 naming it,
 * never "everything"; the one-recording answer carries all of
 * session_info.json (stats, errors, source, pauses, SIPREC, webhook,
 * on_complete, end_reason) besides the listing's fields.
 * RTP ports 50700-50749.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { writeRecording } from './support.js';

let sessionsDir: string;
let server: ServerProcess;
/** session_info.json of the SIPREC recording, as written. */
let richInfo: Record<string, unknown>;

const STATS = {
  incoming: { packets: 7150, bytes: 1229800, recorded: 7143, lost: 3, duplicates: 1, late: 2, dropped: { wrong_source: 4, paused: 0 } },
  outgoing: { packets: 7160, bytes: 1231520, recorded: 7160, lost: 0, duplicates: 0, late: 0, dropped: {} },
};
const SIPREC = {
  metadata: [{ received_at: '2025-05-01T10:00:00.100000Z', method: 'INVITE', cseq: 1, dialect: 'rfc7865', xml: '<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>' }],
  metadata_dropped: 0,
  participants: [{ id: 'p1', aor: 'sip:+15551234567@example.com', name: 'Caller', stream_ids: ['s1'] }],
  streams: [{ label: '1', leg: 'incoming', direction: 'sendonly', port: 50700 }],
};

function ids(body: { recordings: { session_id: string }[] }): string[] {
  return body.recordings.map((r) => r.session_id);
}

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-recordings-query'), 'sessions');
  mkdirSync(sessionsDir);
  writeRecording(sessionsDir, { id: 'done-1', start: '2025-05-01T09:00:00.000000Z', override: { end_reason: 'api_hangup' } });
  writeRecording(sessionsDir, { id: 'done-2', start: '2025-05-01T09:30:00.000000Z', callerId: '+15550000002', override: { end_reason: 'rtp_timeout' } });
  writeRecording(sessionsDir, { id: 'crashed', start: '2025-05-01T08:00:00.000000Z', override: { status: 'recovered', end_reason: 'recovery' } });
  writeRecording(sessionsDir, { id: 'disk-full', start: '2025-05-01T07:00:00.000000Z', override: { status: 'failed', errors: ['incoming: ENOSPC: no space left on device, write'] } });
  richInfo = writeRecording(sessionsDir, {
    id: 'siprec-1',
    start: '2025-05-01T10:00:00.000000Z',
    callerId: '+15551234567',
    calledNumber: '+15559876543',
    override: {
      source: 'sip',
      end_reason: 'sip_bye',
      sip_call_id: 'a84b4c76e66710@pc33.example.com',
      labels: { '1': 'incoming', '2': 'outgoing' },
      stats: STATS,
      errors: ['incoming: 4 datagrams from another source'],
      pauses: [{ start: '2025-05-01T10:00:30.000000Z', end: '2025-05-01T10:00:40.000000Z', behavior: 'silence' }],
      siprec: SIPREC,
      webhook: { state: 'delivered', attempts: 2, delivered_at: '2025-05-01T10:01:00.000000Z' },
      on_complete: { state: 'ok', exit_code: 0, signal: null, duration_seconds: 0.2, stderr_tail: '', finished_at: '2025-05-01T10:01:00.500000Z' },
    },
  });
  server = await startServer({ sessionsDir, rtpPorts: '50700-50749' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('GET /api/recordings/:id carries everything in session_info.json plus audio_files', async () => {
  const res = await server.request('GET', '/api/recordings/siprec-1');
  assert.is(res.status, 200);
  const rec = res.body.recording;
  for (const [key, value] of Object.entries(richInfo)) assert.equal(rec[key], value, `${key} as in session_info.json`);
  assert.equal(rec.stats, STATS);
  assert.equal(rec.siprec.participants, SIPREC.participants);
  assert.is(rec.end_reason, 'sip_bye');
  assert.is(rec.source, 'sip');
  assert.equal(Object.keys(rec.audio_files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
  const files = richInfo.files as Record<string, string>;
  assert.is(rec.audio_files.incoming_audio.filename, files.incoming_audio);
  assert.is(rec.audio_files.incoming_audio.path, path.join(sessionsDir, 'siprec-1', files.incoming_audio));
  assert.type(rec.audio_files.incoming_audio.size_mb, 'number');
});

test('the listing stays compact: status, source and end_reason, no stats/siprec/errors', async () => {
  const res = await server.request('GET', '/api/recordings');
  assert.is(res.status, 200);
  const item = res.body.recordings.find((r: { session_id: string }) => r.session_id === 'siprec-1');
  assert.is(item.status, 'completed');
  assert.is(item.source, 'sip');
  assert.is(item.end_reason, 'sip_bye');
  for (const key of ['stats', 'siprec', 'errors', 'pauses', 'files', 'file_bytes', 'labels']) assert.is(item[key], undefined, `${key} not listed`);
  const one = (await server.request('GET', '/api/recordings/siprec-1')).body.recording;
  for (const [key, value] of Object.entries(item)) assert.equal(one[key], value, `${key}: the same in the listing and the detail`);
});

test('status filter: only recordings with that status; combines with the others', async () => {
  const completed = await server.request('GET', '/api/recordings?status=completed');
  assert.is(completed.status, 200);
  assert.equal(ids(completed.body), ['siprec-1', 'done-2', 'done-1']);
  assert.is(completed.body.total_recordings, 3);
  const recovered = await server.request('GET', '/api/recordings?status=recovered');
  assert.equal(ids(recovered.body), ['crashed']);
  const failed = await server.request('GET', '/api/recordings?status=failed');
  assert.equal(ids(failed.body), ['disk-full']);
  const both = await server.request('GET', '/api/recordings?status=completed&caller_id=%2B15550000002');
  assert.equal(ids(both.body), ['done-2']);
  const paged = await server.request('GET', '/api/recordings?status=completed&limit=1&offset=1');
  assert.equal(ids(paged.body), ['done-2']);
  assert.is(paged.body.total_recordings, 3);
  const none = await server.request('GET', '/api/recordings?status=discarded');
  assert.equal(ids(none.body), []);
});

test('an unknown status is 400 listing the statuses', async () => {
  for (const value of ['complete', 'COMPLETED', '']) {
    const res = await server.request('GET', `/api/recordings?status=${value}`);
    assert.is(res.status, 400, value);
    assert.equal(Object.keys(res.body).sort(), ['code', 'error', 'status']);
    assert.is(res.body.status, 'error');
    assert.is(res.body.code, 'CALLREC_ERR_INVALID_QUERY');
    assert.match(res.body.error, /status must be one of recording, completed, recovered, discarded, failed/);
  }
});

test('a caller_id or called_number that starts with a space (unencoded +) is 400 saying to write %2B', async () => {
  for (const name of ['caller_id', 'called_number']) {
    const res = await server.request('GET', `/api/recordings?${name}=+15551234567`);
    assert.is(res.status, 400, name);
    assert.is(res.body.code, 'CALLREC_ERR_INVALID_QUERY', name);
    assert.ok(res.body.error.includes(name), res.body.error);
    assert.ok(res.body.error.includes('%2B'), res.body.error);
    assert.ok(res.body.error.includes(`${name}=%2B15551234567`), res.body.error);
    const spaced = await server.request('GET', `/api/recordings?${name}=%2015551234567`);
    assert.is(spaced.status, 400, `${name}: %20`);
  }
  const encoded = await server.request('GET', '/api/recordings?caller_id=%2B15551234567');
  assert.is(encoded.status, 200);
  assert.ok(ids(encoded.body).includes('siprec-1'));
});

test('an unknown query parameter is 400 naming it, not the whole listing', async () => {
  const res = await server.request('GET', '/api/recordings?caller=%2B15551234567');
  assert.is(res.status, 400);
  assert.is(res.body.code, 'CALLREC_ERR_INVALID_QUERY');
  assert.match(res.body.error, /unknown query parameter "caller"/);
  assert.match(res.body.error, /caller_id/, 'says which ones exist');
  const two = await server.request('GET', '/api/recordings?sort=asc&page=2&limit=5');
  assert.is(two.status, 400);
  assert.match(two.body.error, /"sort", "page"/);
  const twice = await server.request('GET', '/api/recordings?status=completed&status=recovered');
  assert.is(twice.status, 400);
  assert.match(twice.body.error, /status must be given once/);
});

test.run();
