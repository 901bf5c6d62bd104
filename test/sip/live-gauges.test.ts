/**
 * SIP levels on /metrics as Prometheus gauges (issue 11, defect 8: dialogs
 * active, TCP connections open and transactions were values of the counter
 * callrec_sip_events_total, so rate() over them lied). The compiled recorder
 * with SIP on, SIPREC calls over UDP and TCP from a tiny client: each gauge
 * is 1 while its dialog or connection is open and 0 after BYE / close, and
 * the event counter holds events only.
 * RTP ports 52800-52899, SIP ports 35140-35149.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipResponse } from '../../src/sip/index.js';
import { killServers } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { ciscoCube } from './fixtures/vendors.js';
import { SipClient, eventually, startSipRecorder, inDialog } from './support.js';
import type { SipRecorder, Transport } from './support.js';

const SIP_PORTS = [35140, 35149] as const;
const GAUGES = ['callrec_sip_dialogs_active', 'callrec_sip_tcp_connections_open', 'callrec_sip_transactions_active'];
/** Levels that used to be folded into callrec_sip_events_total. */
const FORMER_EVENTS = ['dialogs_active', 'tcp_connections_open', 'server_transactions', 'client_transactions'];

let rec: SipRecorder;
const clients: SipClient[] = [];

test.before(async () => {
  rec = await startSipRecorder({ sessionsDir: makeTempDir('sip-gauges'), rtpPorts: '52800-52899', sipPorts: SIP_PORTS });
});

test.after(() => {
  for (const c of clients) c.close();
  killServers();
  removeTempDirs();
});

interface Scrape {
  text: string;
  /** `name{labels}` (or `name`) → value. */
  samples: Map<string, number>;
}

async function scrape(): Promise<Scrape> {
  const res = await rec.server.request('GET', '/metrics');
  assert.is(res.status, 200);
  const samples = new Map<string, number>();
  for (const line of res.text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m !== null) samples.set(m[1], Number(m[2]));
  }
  return { text: res.text, samples };
}

async function gauge(series: string): Promise<number | undefined> {
  return (await scrape()).samples.get(series);
}

/** Wait until `series` reads `want` (levels are read at scrape time; the recorder may still be finishing a BYE). */
async function expectLevel(series: string, want: number, what: string): Promise<void> {
  let last: number | undefined;
  await eventually(async () => {
    last = await gauge(series);
    return last === want ? true : undefined;
  }, 5000, `${series} = ${want} ${what} (last read ${last})`);
}

let seq = 0;
async function answeredCall(transport: Transport): Promise<{ c: SipClient; ok: SipResponse }> {
  const c = await SipClient.open(transport, rec.sipPort);
  clients.push(c);
  seq++;
  c.send(ciscoCube.build({
    transport: transport === 'udp' ? 'UDP' : 'TCP',
    host: '127.0.0.1',
    port: c.localPort,
    srs: `127.0.0.1:${rec.sipPort}`,
    callId: `gauges-${seq}-${process.pid}@127.0.0.1`,
    branch: `z9hG4bKgauges${seq}`,
    fromTag: `gt${seq}`,
  }));
  const ok = await c.waitForResponse(200, '1 INVITE');
  c.send(inDialog(c, rec.sipPort, ok, 'ACK', 1, `z9hG4bKgauges-ack${seq}`));
  return { c, ok };
}

async function hangUp(c: SipClient, ok: SipResponse): Promise<void> {
  c.send(inDialog(c, rec.sipPort, ok, 'BYE', 2, `z9hG4bKgauges-bye${seq}`));
  await c.waitForResponse(200, '2 BYE');
}

test('the three SIP levels are gauge families, 0 with no call, and not events of callrec_sip_events_total', async () => {
  const { text, samples } = await scrape();
  for (const name of GAUGES) assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), `${name} is a gauge`);
  assert.is(samples.get('callrec_sip_dialogs_active'), 0);
  assert.is(samples.get('callrec_sip_tcp_connections_open'), 0);
  assert.is(samples.get('callrec_sip_transactions_active{side="client"}'), 0);
  assert.ok(samples.has('callrec_sip_transactions_active{side="server"}'));
  for (const event of FORMER_EVENTS) assert.not.match(text, new RegExp(`callrec_sip_events_total\\{event="${event}"\\}`), `${event} is not an event`);
});

test('a SIPREC dialog over UDP: callrec_sip_dialogs_active is 1 while it lasts, 0 after BYE; its INVITE transaction is counted', async () => {
  const { c, ok } = await answeredCall('udp');
  await expectLevel('callrec_sip_dialogs_active', 1, 'during the call');
  // After its 2xx the INVITE server transaction lingers (RFC 6026 Accepted, timer L) over UDP.
  assert.ok(((await gauge('callrec_sip_transactions_active{side="server"}')) ?? 0) >= 1, 'the INVITE server transaction is active');
  await hangUp(c, ok);
  await expectLevel('callrec_sip_dialogs_active', 0, 'after BYE');
  const { text } = await scrape();
  assert.match(text, /^callrec_sip_events_total\{event="calls_ended_by_bye"\} 1$/m, 'the BYE is still an event');
});

test('a SIPREC dialog over TCP: callrec_sip_tcp_connections_open is 1 while connected and 0 once closed; dialogs 1 then 0', async () => {
  const { c, ok } = await answeredCall('tcp');
  await expectLevel('callrec_sip_tcp_connections_open', 1, 'while connected');
  await expectLevel('callrec_sip_dialogs_active', 1, 'during the call');
  await hangUp(c, ok);
  await expectLevel('callrec_sip_dialogs_active', 0, 'after BYE');
  c.close();
  await expectLevel('callrec_sip_tcp_connections_open', 0, 'after the client closed');
  assert.match((await scrape()).text, /^callrec_sip_events_total\{event="tcp_connections"\} 1$/m, 'the connection is still counted as an event');
});

test.run();
