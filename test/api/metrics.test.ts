/**
 * GET /metrics (Prometheus text via prom-client) and GET /healthz (SPEC §6),
 * around a real call: live counters while it runs, finished totals after,
 * dropped packets by reason, finalize latency, HTTP requests by route and
 * status. And two apps in one process (each its own prom-client Registry).
 * RTP ports 50600-50699.
 */
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/api/index.js';
import { RecordingsIndex } from '../../src/storage/index.js';
import { sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { metricValue, writeRecording } from './support.js';

const NAMES = [
  'callrec_rtp_packets_received_total',
  'callrec_rtp_bytes_received_total',
  'callrec_rtp_packets_recorded_total',
  'callrec_rtp_packets_lost_total',
  'callrec_rtp_packets_dropped_total',
  'callrec_audio_bytes_written_total',
  'callrec_calls_finalized_total',
  'callrec_finalize_duration_seconds',
  'callrec_active_calls',
  'callrec_recordings',
  'callrec_ring_capacity_bytes',
  'callrec_ring_used_bytes',
  'callrec_ring_high_water_bytes',
  'callrec_worker_threads',
  'callrec_worker_queued_tasks',
  'callrec_http_requests_total',
  'callrec_http_request_duration_seconds',
  'process_resident_memory_bytes',
];

let sessionsDir: string;
let server: ServerProcess;
const opened: StartedCall[] = [];

async function scrape(): Promise<string> {
  const res = await server.request('GET', '/metrics');
  assert.is(res.status, 200);
  return res.text;
}

test.before(async () => {
  sessionsDir = path.join(makeTempDir('api-metrics'), 'sessions');
  mkdirSync(sessionsDir);
  writeRecording(sessionsDir, { id: 'earlier', start: '2025-01-01T00:00:00.000000Z' });
  server = await startServer({ sessionsDir, rtpPorts: '50600-50699', workers: 2 });
});

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  removeTempDirs();
});

test('/metrics is Prometheus text with every metric, HELP and TYPE lines', async () => {
  const res = await server.request('GET', '/metrics');
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  for (const name of NAMES) {
    assert.match(res.text, new RegExp(`^# HELP ${name} `, 'm'), `HELP ${name}`);
    assert.match(res.text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), `TYPE ${name}`);
  }
  assert.is(metricValue(res.text, 'callrec_active_calls'), 0);
  assert.is(metricValue(res.text, 'callrec_recordings'), 1);
  assert.ok(metricValue(res.text, 'callrec_ring_capacity_bytes{ring="0"}')! > 0);
  assert.ok(metricValue(res.text, 'callrec_ring_capacity_bytes{ring="1"}')! > 0, 'one ring per drain worker');
  assert.ok(metricValue(res.text, 'callrec_worker_threads')! >= 2);
});

test('/healthz: active calls, recordings, disk free/used/total, worker pool and rings', async () => {
  const res = await server.request('GET', '/healthz');
  assert.is(res.status, 200);
  assert.is(res.body.status, 'ok');
  assert.is(res.body.active_calls, 0);
  assert.is(res.body.recordings, 1);
  const disk = res.body.disk;
  assert.ok(disk.total_bytes > 0 && disk.free_bytes > 0 && disk.used_bytes > 0, JSON.stringify(disk));
  assert.ok(disk.free_bytes + disk.used_bytes <= disk.total_bytes);
  assert.is(res.body.workers.drainLoops, 2);
  assert.ok(res.body.workers.threads >= 2);
  assert.is(res.body.rings.length, 2);
  assert.ok(res.body.rings.every((r: { capacity: number; used: number; highWater: number }) => r.capacity > 0 && r.used >= 0 && r.highWater >= 0));
});

test('a call: live counters while it runs, finished totals after, drops by reason, finalize latency', async () => {
  const call = await startCall(server, {
    incoming: { codec: 'PCMU', seed: 1, packets: 30 },
    outgoing: { codec: 'PCMA', seed: 2, packets: 20 },
  });
  opened.push(call);
  await Promise.all([call.incoming.start(), call.outgoing.start()]);
  // 5 packets of an unknown payload type and 3 too short to be RTP, on the incoming leg.
  for (let i = 0; i < 5; i++) {
    call.incoming.sendRaw(buildRtpPacket({ payloadType: 99, sequenceNumber: 9000 + i, timestamp: 0, ssrc: call.incoming.ssrc, payload: new Uint8Array(160) }));
  }
  for (let i = 0; i < 3; i++) call.incoming.sendRaw(new Uint8Array([0x80, 0]));
  // Wait (up to 5 s on a loaded machine) until the socket has seen every datagram.
  let live = await scrape();
  for (let i = 0; i < 100 && metricValue(live, 'callrec_rtp_packets_received_total{leg="incoming"}')! < 38; i++) {
    await sleep(50);
    live = await scrape();
  }
  assert.is(metricValue(live, 'callrec_active_calls'), 1);
  assert.is(metricValue(live, 'callrec_rtp_packets_received_total{leg="incoming"}'), 38);
  assert.is(metricValue(live, 'callrec_rtp_packets_received_total{leg="outgoing"}'), 20);
  const health = await server.request('GET', '/healthz');
  assert.is(health.body.active_calls, 1);

  const hangup = await server.request('POST', `/api/sessions/${call.id}/hangup`);
  assert.is(hangup.status, 200);
  const done = await scrape();
  assert.is(metricValue(done, 'callrec_active_calls'), 0);
  assert.is(metricValue(done, 'callrec_recordings'), 2);
  assert.is(metricValue(done, 'callrec_calls_finalized_total'), 1);
  assert.is(metricValue(done, 'callrec_rtp_packets_received_total{leg="incoming"}'), 38, 'counted once, not lost, after the call ends');
  assert.is(metricValue(done, 'callrec_rtp_packets_received_total{leg="outgoing"}'), 20);
  assert.is(metricValue(done, 'callrec_rtp_packets_recorded_total{leg="incoming"}'), 30);
  assert.is(metricValue(done, 'callrec_rtp_packets_recorded_total{leg="outgoing"}'), 20);
  assert.is(metricValue(done, 'callrec_rtp_packets_dropped_total{leg="incoming",reason="unknown_payload_type"}'), 5);
  assert.is(metricValue(done, 'callrec_rtp_packets_dropped_total{leg="incoming",reason="malformed"}'), 3);
  assert.is(metricValue(done, 'callrec_rtp_packets_dropped_total{leg="outgoing",reason="malformed"}'), 0);
  assert.is(metricValue(done, 'callrec_rtp_bytes_received_total{leg="outgoing"}'), 20 * 172);
  const files = hangup.body.file_bytes as Record<string, number>;
  const written = Object.values(files).reduce((a, b) => a + b, 0);
  assert.is(metricValue(done, 'callrec_audio_bytes_written_total'), written);
  assert.is(metricValue(done, 'callrec_finalize_duration_seconds_count'), 1);
  const sum = metricValue(done, 'callrec_finalize_duration_seconds_sum')!;
  assert.ok(sum > 0 && sum < 10, `finalize took ${sum} s`);
  assert.is(metricValue(done, 'callrec_finalize_duration_seconds_bucket{le="+Inf"}'), 1);
  const hw = metricValue(done, 'callrec_ring_high_water_bytes{ring="0"}')! + metricValue(done, 'callrec_ring_high_water_bytes{ring="1"}')!;
  assert.ok(hw > 0, 'the rings carried packets');
});

test('HTTP requests are counted by method, route pattern and status', async () => {
  await server.request('GET', '/api/recordings/earlier');
  await server.request('GET', '/api/recordings/nope');
  await server.request('GET', '/no/such/route');
  await server.request('GET', '/another/unknown');
  const text = await scrape();
  assert.ok(metricValue(text, 'callrec_http_requests_total{method="POST",route="/api/sessions",status="201"}')! >= 1);
  assert.ok(metricValue(text, 'callrec_http_requests_total{method="POST",route="/api/sessions/:id/hangup",status="200"}')! >= 1);
  assert.is(metricValue(text, 'callrec_http_requests_total{method="GET",route="/api/recordings/:id",status="200"}'), 1);
  assert.is(metricValue(text, 'callrec_http_requests_total{method="GET",route="/api/recordings/:id",status="404"}'), 1);
  assert.is(metricValue(text, 'callrec_http_requests_total{method="GET",route="unmatched",status="404"}'), 2, 'raw paths never become labels');
  assert.not.match(text, /no\/such\/route/);
  assert.ok(metricValue(text, 'callrec_http_request_duration_seconds_count{method="GET",route="/api/recordings/:id"}')! >= 2);
});

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

test('two apps in one process each have their own metrics registry', async () => {
  const log = pino({ level: 'silent' });
  const fakeRegistry = { size: 0, list: () => [], get: () => undefined, onFinalized: () => {} };
  const fakePool = { ringStats: () => [{ capacity: 1024, used: 0, highWater: 0 }], state: () => ({ threads: 0, drainLoops: 0, queued: 0 }) };
  const dir = makeTempDir('api-metrics-apps');
  const servers = [0, 1].map(() => {
    const app = createApp({ registry: fakeRegistry, pool: fakePool, index: new RecordingsIndex(dir), sessionsDir: dir, log } as never);
    return http.createServer(app.callback());
  });
  try {
    for (const s of servers) {
      const port = await listen(s);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.is(res.status, 200);
      assert.match(await res.text(), /callrec_ring_capacity_bytes\{ring="0"\} 1024/);
    }
  } finally {
    for (const s of servers) s.close();
  }
});

test.run();
