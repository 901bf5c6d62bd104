/**
 * --webhook-allow over HTTP against the compiled recorder (issue 11: a
 * per-call webhook_url let any API client make the recorder call internal
 * addresses). A URL outside the list is a 400 before any call is started;
 * one inside it is taken; without the flag any host is; a bad pattern stops
 * the start with exit 2 and one line naming it.
 * RTP ports 52600-52699.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listSessionDirs } from '../helpers/calls.js';
import { killServers, runCli, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const RTP_PORTS = '52600-52699';
const PARTIES = { caller_id: '+15551234567', called_number: '+15559876543' };

test.after(() => {
  killServers();
  removeTempDirs();
});

async function postWithWebhook(server: ServerProcess, webhookUrl: string) {
  return server.request('POST', '/api/sessions', { ...PARTIES, webhook_url: webhookUrl });
}

test('a per-call webhook_url outside --webhook-allow is 400 CALLREC_ERR_INVALID_BODY and starts no call; inside it is 201', async () => {
  const dir = path.join(makeTempDir('webhook-allow'), 'sessions');
  const server = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS, args: ['--webhook-allow', 'hooks.example.com, *.corp.example, 127.0.0.1:9999'] });
  for (const url of [
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8080/api/recordings',
    'http://2130706433:8080/', // 127.0.0.1 spelled as a number: still not port 9999
    'http://corp.example/hook', // the wildcard is for subdomains only
    'https://hooks.example.com.evil.test/hook',
  ]) {
    const res = await postWithWebhook(server, url);
    assert.is(res.status, 400, `${url}: ${res.text}`);
    assert.is(res.body.code, 'CALLREC_ERR_INVALID_BODY', url);
    assert.match(res.body.error, /webhook_url.*not allowed.*--webhook-allow/, url);
  }
  assert.is((await server.request('GET', '/api/sessions')).body.sessions.length, 0, 'no refused call was started');
  assert.equal(listSessionDirs(dir), [], 'no refused call left a directory');

  for (const url of ['https://hooks.example.com/hook', 'http://a.b.corp.example/x', 'http://127.0.0.1:9999/hook']) {
    const res = await postWithWebhook(server, url);
    assert.is(res.status, 201, `${url}: ${res.text}`);
    assert.is((await server.request('POST', `/api/sessions/${res.body.session_id}/hangup`)).status, 200);
  }
  await server.stop();
});

test('without --webhook-allow a per-call webhook_url may name any host', async () => {
  const dir = path.join(makeTempDir('webhook-allow-any'), 'sessions');
  const server = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS });
  const res = await postWithWebhook(server, 'http://10.1.2.3:8080/hook');
  assert.is(res.status, 201, res.text);
  assert.is((await server.request('POST', `/api/sessions/${res.body.session_id}/hangup`)).status, 200);
  await server.stop();
});

test('a bad --webhook-allow entry exits 2 with one line naming the entry', async () => {
  const dir = path.join(makeTempDir('webhook-allow-bad'), 'sessions');
  const res = await runCli(['--http-port', '0', '--sip-port', '0', '--rtp-ports', RTP_PORTS, '--sessions-dir', dir, '--webhook-allow', 'hooks.example.com,http://evil/']);
  assert.is(res.code, 2, res.stderr);
  assert.is(res.stderr.split('\n').length, 2, `one line: ${JSON.stringify(res.stderr)}`);
  assert.match(res.stderr, /^callrec: --webhook-allow: "http:\/\/evil\/" is not a host pattern/);
});

test.run();
