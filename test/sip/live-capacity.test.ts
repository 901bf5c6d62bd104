/**
 * A recorder with room for one call (two RTP ports) and a 2 s RTP timeout:
 * the second INVITE gets 503 with Retry-After (the SBC fails over); the
 * silent first call ends by RTP timeout and the recorder sends the SRC a
 * BYE; then the freed ports take a new call.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader, parseNameAddr } from '../../src/sip/index.js';
import type { SipRequest, SipResponse } from '../../src/sip/index.js';
import { killServers } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { sipMessage } from './fixtures/build.js';
import { ciscoCube } from './fixtures/vendors.js';
import { SipClient, eventually, sessionInfoByCallId, startSipRecorder } from './support.js';
import type { SipRecorder } from './support.js';

let rec: SipRecorder;
let sessionsDir: string;
let c: SipClient;

setupSuite(test, async () => {
  sessionsDir = makeTempDir('sip-capacity');
  rec = await startSipRecorder({ sessionsDir, rtpPorts: '39800-39803', rtpTimeoutSeconds: 2 });
  c = await SipClient.open('udp', rec.sipPort);
});

test.after(() => {
  c?.close();
  killServers();
  removeTempDirs();
});

function invite(id: string) {
  return {
    transport: 'UDP' as const,
    host: '127.0.0.1',
    port: c.localPort,
    srs: `127.0.0.1:${rec.sipPort}`,
    callId: `${id}@capacity`,
    branch: `z9hG4bK${id}`,
    fromTag: `t-${id}`,
  };
}

function ack(ok: SipResponse): Buffer {
  return sipMessage([
    `ACK sip:srs@127.0.0.1:${rec.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${c.localPort};branch=z9hG4bKack${getHeader(ok, 'call-id')!.length}${Date.now()}`,
    `From: ${getHeader(ok, 'from')}`,
    `To: ${getHeader(ok, 'to')}`,
    `Call-ID: ${getHeader(ok, 'call-id')}`,
    'CSeq: 1 ACK',
  ]);
}

test('503 with Retry-After at capacity; RTP timeout ends the call with a BYE to the SRC; ports come back', async () => {
  const first = invite('first');
  c.send(ciscoCube.build(first));
  const ok = await c.waitFor((m): m is SipResponse => m.kind === 'response' && m.status === 200 && getHeader(m, 'call-id') === first.callId);
  c.send(ack(ok));

  const second = invite('second');
  c.send(ciscoCube.build(second));
  const busy = await c.waitFor((m): m is SipResponse => m.kind === 'response' && m.status === 503 && getHeader(m, 'call-id') === second.callId);
  assert.is(getHeader(busy, 'retry-after'), '30');

  // No RTP: after --rtp-timeout 2 s the recording ends and the SRC is told.
  const bye = (await c.waitFor(
    (m): m is SipRequest => m.kind === 'request' && m.method === 'BYE' && getHeader(m, 'call-id') === first.callId,
    8000,
  )) as SipRequest;
  assert.is(parseNameAddr(getHeader(bye, 'to')!)!.params.get('tag'), first.fromTag);
  assert.is(bye.uri, `sip:src@127.0.0.1:${c.localPort};transport=udp`);
  c.send(
    sipMessage([
      'SIP/2.0 200 OK',
      ...bye.headers.filter((h) => h.name === 'via').map((h) => `Via: ${h.value}`),
      `From: ${getHeader(bye, 'from')}`,
      `To: ${getHeader(bye, 'to')}`,
      `Call-ID: ${getHeader(bye, 'call-id')}`,
      `CSeq: ${getHeader(bye, 'cseq')}`,
    ]),
  );
  const info = await eventually(() => sessionInfoByCallId(sessionsDir, first.callId).then((i) => (i?.end_time ? i : undefined)), 5000, 'first call finalized');
  assert.is(info.status, 'completed');

  const third = invite('third');
  c.send(ciscoCube.build(third));
  const ok3 = await c.waitFor((m): m is SipResponse => m.kind === 'response' && m.status === 200 && getHeader(m, 'call-id') === third.callId);
  c.send(ack(ok3));
});

test.run();
