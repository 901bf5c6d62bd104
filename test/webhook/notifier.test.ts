/**
 * WebhookNotifier on its own, with back-off shortened through its options:
 * signed bodies, retry until a 2xx, the state in session_info.json and the
 * index, giving up, timeouts, a refused connection, resuming saved
 * deliveries in a new notifier, per-session URLs and discarded calls.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../src/log.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import type { SessionInfo } from '../../src/storage/index.js';
import { PENDING_DIR, WebhookNotifier, retryDelayMs } from '../../src/webhook/index.js';
import type { WebhookOptions } from '../../src/webhook/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { signatureValid, startReceiver, waitFor } from './support.js';
import type { Receiver } from './support.js';
import { readInfoFile } from '../helpers/session-info.js';

const SECRET = 's3cret';
const log = createLogger('silent');
const receivers: Receiver[] = [];
const notifiers: WebhookNotifier[] = [];

test.after(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  await Promise.all(receivers.map((r) => r.close()));
  removeTempDirs();
});

function finishedSession(sessionsDir: string, id: string): SessionInfo {
  const info: SessionInfo = {
    session_id: id,
    caller_id: '+15551234567',
    called_number: '+15559876543',
    start_time: '2024-12-25T14:30:22.123456Z',
    end_time: '2024-12-25T14:32:45.654321Z',
    duration_seconds: 143.53,
    status: 'completed',
    files: { incoming_audio: 'incoming_20241225_143022.wav' },
    file_bytes: { incoming_audio: 1048576 },
  };
  mkdirSync(path.join(sessionsDir, id), { recursive: true });
  writeFileSync(path.join(sessionsDir, id, 'session_info.json'), JSON.stringify(info));
  return info;
}

function setup(opts: Partial<WebhookOptions> & { url: string | null }): { sessionsDir: string; index: RecordingsIndex; make: () => WebhookNotifier } {
  const sessionsDir = makeTempDir('webhook');
  const index = new RecordingsIndex(sessionsDir);
  const make = () => {
    const n = new WebhookNotifier({ sessionsDir, index, log, secret: SECRET, initialDelayMs: 20, maxDelayMs: 40, ...opts });
    notifiers.push(n);
    return n;
  };
  return { sessionsDir, index, make };
}

const readInfo = readInfoFile;
const pendingFiles = (sessionsDir: string) => {
  try {
    return readdirSync(path.join(sessionsDir, PENDING_DIR));
  } catch {
    return [];
  }
};

test('back-off doubles from the first delay, is capped, and jitters within the upper half', () => {
  const opts = { initialDelayMs: 1000, maxDelayMs: 600_000 };
  assert.is(retryDelayMs(1, opts, () => 1), 1000);
  assert.is(retryDelayMs(1, opts, () => 0), 500);
  assert.is(retryDelayMs(4, opts, () => 1), 8000);
  assert.is(retryDelayMs(30, opts, () => 1), 600_000);
  assert.is(retryDelayMs(30, opts, () => 0), 300_000);
});

test('fails twice (500), then delivered: same signed body every time, state on the recording', async () => {
  const receiver = await startReceiver((n) => (n < 2 ? 500 : 204));
  receivers.push(receiver);
  const { sessionsDir, index, make } = setup({ url: receiver.url });
  const info = finishedSession(sessionsDir, 'call-1');
  index.add(info);
  const expected = index.get('call-1');
  make().notifyFinished(info, 'recording.completed');

  const delivered = await waitFor('delivered state', () => readInfo(sessionsDir, 'call-1').webhook?.state === 'delivered' && readInfo(sessionsDir, 'call-1'));
  assert.is(receiver.requests.length, 3);
  const bodies = new Set(receiver.requests.map((r) => r.body));
  assert.is(bodies.size, 1, 'every attempt sends the same bytes');
  for (const r of receiver.requests) {
    assert.ok(signatureValid(SECRET, r.body, r.headers['x-callrec-signature']), 'signature verifies');
    assert.is(r.headers['content-type'], 'application/json');
    assert.is(r.headers['x-callrec-event'], 'recording.completed');
    assert.is(r.headers['x-callrec-delivery'], receiver.requests[0].headers['x-callrec-delivery']);
  }
  const payload = JSON.parse(receiver.requests[0].body);
  assert.equal(payload, { event: 'recording.completed', recording: expected });
  assert.is(delivered.webhook.attempts, 3);
  assert.type(delivered.webhook.delivered_at, 'string');
  assert.is(delivered.webhook.last_error, undefined);
  assert.equal((index.get('call-1') as { webhook?: unknown }).webhook, delivered.webhook);
  assert.equal(pendingFiles(sessionsDir), []);
});

test('gives up after maxAgeMs: state "failed" with the last error; timeouts and refused connections are failures too', async () => {
  const receiver = await startReceiver((n) => (n === 0 ? 'hang' : 503));
  receivers.push(receiver);
  const { sessionsDir, index, make } = setup({ url: receiver.url, maxAgeMs: 400, timeoutMs: 100 });
  const info = finishedSession(sessionsDir, 'call-2');
  index.add(info);
  make().notifyFinished(info, 'recording.recovered');
  const failed = await waitFor('failed state', () => readInfo(sessionsDir, 'call-2').webhook?.state === 'failed' && readInfo(sessionsDir, 'call-2'));
  assert.ok(receiver.requests.length >= 3, `${receiver.requests.length} attempts`);
  assert.is(failed.webhook.attempts, receiver.requests.length);
  assert.is(failed.webhook.last_error, 'HTTP 503');
  assert.is(JSON.parse(receiver.requests[0].body).event, 'recording.recovered');
  assert.equal(pendingFiles(sessionsDir), []);

  // Nothing listens: ECONNREFUSED is retried, then given up, and nothing throws.
  const dead = setup({ url: 'http://127.0.0.1:9/hook', maxAgeMs: 150 });
  const info3 = finishedSession(dead.sessionsDir, 'call-3');
  dead.index.add(info3);
  dead.make().notifyFinished(info3, 'recording.completed');
  const refused = await waitFor('failed state', () => readInfo(dead.sessionsDir, 'call-3').webhook?.state === 'failed' && readInfo(dead.sessionsDir, 'call-3'));
  assert.match(refused.webhook.last_error, /ECONNREFUSED/);
});

test('a pending delivery is saved and resumed by the next notifier (restart), delivered once', async () => {
  let failing = true;
  const receiver = await startReceiver(() => (failing ? 500 : 200));
  receivers.push(receiver);
  const { sessionsDir, index, make } = setup({ url: receiver.url, initialDelayMs: 5000, maxDelayMs: 5000 });
  const info = finishedSession(sessionsDir, 'call-4');
  index.add(info);
  const first = make();
  first.notifyFinished(info, 'recording.completed');
  await waitFor('a failed attempt recorded', () => readInfo(sessionsDir, 'call-4').webhook?.attempts === 1);
  await first.close();
  assert.is(pendingFiles(sessionsDir).length, 1);
  const saved = JSON.parse(readFileSync(path.join(sessionsDir, PENDING_DIR, pendingFiles(sessionsDir)[0]), 'utf8'));
  assert.is(saved.attempts, 1);
  assert.is(saved.last_error, 'HTTP 500');

  failing = false;
  // The saved next attempt is ~5 s away; a notifier made now resumes it at that time, so move it up.
  saved.next_attempt_at = new Date().toISOString();
  writeFileSync(path.join(sessionsDir, PENDING_DIR, pendingFiles(sessionsDir)[0]), JSON.stringify(saved));
  assert.is(await make().start(), 1);
  const done = await waitFor('delivered', () => readInfo(sessionsDir, 'call-4').webhook?.state === 'delivered' && readInfo(sessionsDir, 'call-4'));
  assert.is(done.webhook.attempts, 2);
  assert.is(receiver.requests.filter((r) => r.status === 200).length, 1);
  assert.is(receiver.requests[0].body, receiver.requests[1].body);
  assert.equal(pendingFiles(sessionsDir), []);
});

test('per-session webhook_url wins over --webhook-url; discarded calls are notified; no URL: nothing sent', async () => {
  const global = await startReceiver(() => 200);
  const own = await startReceiver(() => 200);
  receivers.push(global, own);
  const { sessionsDir, index, make } = setup({ url: global.url, secret: null });
  const info = { ...finishedSession(sessionsDir, 'call-5'), webhook_url: own.url };
  index.add(info);
  const notifier = make();
  notifier.notifyFinished(info, 'recording.completed');
  notifier.notifyDiscarded('call-6', 'min_duration', { info: { caller_id: '+1555', duration_seconds: 0.4 } });
  await waitFor('both delivered', () => own.requests.length === 1 && global.requests.length === 1);
  assert.is(JSON.parse(own.requests[0].body).recording.session_id, 'call-5');
  assert.is(own.requests[0].headers['x-callrec-signature'], undefined, 'unsigned without a secret');
  assert.equal(JSON.parse(global.requests[0].body), {
    event: 'recording.discarded',
    recording: { session_id: 'call-6', caller_id: '+1555', duration_seconds: 0.4, status: 'discarded', reason: 'min_duration' },
  });

  const none = setup({ url: null });
  const quiet = finishedSession(none.sessionsDir, 'call-7');
  none.index.add(quiet);
  none.make().notifyFinished(quiet, 'recording.completed');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(readInfo(none.sessionsDir, 'call-7').webhook, undefined);
});

test.run();
