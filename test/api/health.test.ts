/**
 * /healthz answers 503 exactly when a new call would be refused, with the
 * reasons, so a load balancer stops sending calls (the disk-full case is in
 * test/robustness/disk-full.test.ts). A port range with room for one call:
 * RTP ports 42100-42103.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let server: ServerProcess;

setupSuite(test, async () => {
  server = await startServer({ sessionsDir: path.join(makeTempDir('health'), 'sessions'), rtpPorts: '42100-42103' });
});

test.after(() => {
  killServers();
  removeTempDirs();
});

test('free ports: 200 "ok" with no reasons', async () => {
  const res = await server.request('GET', '/healthz');
  assert.is(res.status, 200);
  assert.is(res.body.status, 'ok');
  assert.equal(res.body.reasons, []);
  // npm test runs with a receive path chosen (scripts/test.mjs): the recorder must really use it.
  assert.is(res.body.rtp_io, process.env.CALLREC_TEST_RTP_IO ?? res.body.rtp_io, 'the receive path in use');
  assert.ok(['native', 'dgram'].includes(res.body.rtp_io), res.text);
  if (res.body.rtp_io === 'native') assert.ok(res.body.native_receive.wakeups >= 0 && res.body.native_receive.datagrams >= 0, res.text);
  else assert.is(res.body.native_receive, null);
});

test('the last ports taken: 503 no_free_ports, as POST /api/sessions answers; 200 again after the hangup', async () => {
  const first = await server.request('POST', '/api/sessions', { caller_id: '+1555', called_number: '+1666' });
  assert.is(first.status, 201);
  const health = await server.request('GET', '/healthz');
  assert.is(health.status, 503, health.text);
  assert.is(health.body.status, 'unavailable');
  assert.equal(health.body.reasons, ['no_free_ports']);
  assert.is(health.headers.get('retry-after'), '5');
  assert.is(health.body.active_calls, 1, 'the rest of the health report is still there');
  const refused = await server.request('POST', '/api/sessions', { caller_id: '+1555', called_number: '+1666' });
  assert.is(refused.status, 503);
  assert.is(refused.body.code, 'CALLREC_ERR_NO_PORTS');
  const hangup = await server.request('POST', `/api/sessions/${first.body.session_id}/hangup`);
  assert.is(hangup.status, 200);
  assert.is(hangup.body.end_reason, 'api_hangup', 'why the call ended is in the metadata');
  assert.is((await server.request('GET', '/healthz')).status, 200);
});

test.run();
