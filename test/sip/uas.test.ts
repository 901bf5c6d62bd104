/**
 * The recording server's core, in process, against a stand-in registry and
 * a capturing transport, with RFC 3261 timers shrunk (T1 = 20 ms): the
 * whole INVITE/ACK/re-INVITE/BYE/CANCEL life of a call, retransmissions,
 * the refusals (420, 422, 488, 503) and the BYE we send ourselves.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { CallrecError } from '../../src/errors.js';
import type { SessionRegistry } from '../../src/session/index.js';
import { getHeader, parseNameAddr, parseSdp, parseSipMessage } from '../../src/sip/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/index.js';
import { RecordingUas } from '../../src/sip/srs/uas.js';
import { SipCounters } from '../../src/sip/stats.js';
import { ClientTransactionTable } from '../../src/sip/transaction/client-transactions.js';
import type { Flow } from '../../src/sip/transport/flow.js';
import { crlf, sipMessage } from './fixtures/build.js';
import { DEFAULT_PARAMS, ciscoCube, openSips, oracleAcme, sdpOnly } from './fixtures/vendors.js';
import type { InviteParams } from './fixtures/vendors.js';

const TIMERS = { t1: 20, t2: 80, t4: 100 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FakeSession {
  id: string;
  state: 'active' | 'ending' | 'ended';
  announceHost: string;
  callerId: string;
  calledNumber: string;
  legs: { incoming: { receiver: { port: number } }; outgoing: { receiver: { port: number } } };
  extraLegs: Array<{ name: string; receiver: { port: number } }>;
  extraInfo: Record<string, unknown>;
  setParties(callerId: string, calledNumber: string): void;
}

class FakeRegistry {
  created: Array<{ req: Record<string, unknown>; session: FakeSession }> = [];
  hangups: Array<[string, string]> = [];
  discarded: string[] = [];
  /** addStream calls: [session id, label, telephone-event PT]. */
  streamsAdded: Array<[string, string, number | undefined]> = [];
  /** setMediaInactive calls. */
  inactive: Array<[string, boolean]> = [];
  gate: Promise<void> | null = null;
  failWith: string | null = null;
  #next = 0;

  async create(req: Record<string, unknown>): Promise<FakeSession> {
    if (this.gate) await this.gate;
    if (this.failWith) throw new CallrecError(this.failWith as 'CALLREC_ERR_NO_PORTS');
    const n = this.#next++;
    const session: FakeSession = {
      id: `s${n}`,
      state: 'active',
      announceHost: '127.0.0.1',
      callerId: req.callerId as string,
      calledNumber: req.calledNumber as string,
      legs: { incoming: { receiver: { port: 31000 + 4 * n } }, outgoing: { receiver: { port: 31002 + 4 * n } } },
      extraLegs: [],
      extraInfo: { ...(req.extraInfo as Record<string, unknown>) },
      setParties(callerId, calledNumber) {
        this.callerId = callerId;
        this.calledNumber = calledNumber;
      },
    };
    this.created.push({ req, session });
    return session;
  }

  async addStream(id: string, label: string, telephoneEventPt?: number): Promise<{ name: string; receiver: { port: number } }> {
    const s = this.created.find((c) => c.session.id === id)!.session;
    if (this.gate) await this.gate;
    this.streamsAdded.push([id, label, telephoneEventPt]);
    const leg = { name: `extra_${label}`, receiver: { port: 31100 + 2 * this.streamsAdded.length - 2 } };
    s.extraLegs.push(leg);
    return leg;
  }

  setMediaInactive(id: string, inactive: boolean): void {
    this.inactive.push([id, inactive]);
  }

  hangup(id: string, reason: string): Promise<unknown> {
    const s = this.created.find((c) => c.session.id === id)?.session;
    if (s === undefined || s.state !== 'active') throw new CallrecError('CALLREC_ERR_NOT_FOUND');
    s.state = 'ended';
    this.hangups.push([id, reason]);
    return Promise.resolve({});
  }

  async discard(id: string): Promise<unknown> {
    this.discarded.push(id);
    return {};
  }
}

interface Harness {
  uas: RecordingUas;
  registry: FakeRegistry;
  sent: Array<{ flow: Flow; msg: SipMessage }>;
  counters: SipCounters;
  deliver(bytes: Buffer, flow?: Flow): void;
  responses(status?: number): SipResponse[];
  requests(method: string): SipRequest[];
}

const SRC: Flow = { transport: 'udp', address: '192.0.2.10', port: 5060, connection: null };

function harness(opts: { isReady?: () => boolean } = {}): Harness {
  const registry = new FakeRegistry();
  const sent: Harness['sent'] = [];
  const counters = new SipCounters();
  const send = (flow: Flow, bytes: Buffer) => {
    const r = parseSipMessage(bytes);
    if (!r.ok) throw new Error(`we sent something unparsable: ${r.reason}`);
    sent.push({ flow, msg: r.message });
  };
  const clientTx = new ClientTransactionTable({ send, timers: TIMERS, counters });
  const uas = new RecordingUas({
    registry: registry as unknown as SessionRegistry,
    log: pino({ level: 'silent' }),
    counters,
    timers: TIMERS,
    send,
    clientTx,
    local: { host: '127.0.0.1', port: 5060 },
    isReady: opts.isReady,
  });
  return {
    uas,
    registry,
    sent,
    counters,
    deliver: (bytes, flow = SRC) => uas.receive(bytes, flow),
    responses: (status) => sent.map((s) => s.msg).filter((m): m is SipResponse => m.kind === 'response' && (status === undefined || m.status === status)),
    requests: (method) => sent.map((s) => s.msg).filter((m): m is SipRequest => m.kind === 'request' && m.method === method),
  };
}

const P: InviteParams = { ...DEFAULT_PARAMS, host: '192.0.2.10', port: 5060 };

function ack(ok: SipResponse, cseq = 1, branch = 'z9hG4bKack1'): Buffer {
  return sipMessage([
    `ACK sip:srs@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}`,
    `From: ${getHeader(ok, 'from')}`,
    `To: ${getHeader(ok, 'to')}`,
    `Call-ID: ${getHeader(ok, 'call-id')}`,
    `CSeq: ${cseq} ACK`,
  ]);
}

function inDialog(ok: SipResponse, method: string, cseq: number, branch: string, extra: string[] = [], body = ''): Buffer {
  return sipMessage(
    [
      `${method} sip:srs@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}`,
      `From: ${getHeader(ok, 'from')}`,
      `To: ${getHeader(ok, 'to')}`,
      `Call-ID: ${getHeader(ok, 'call-id')}`,
      `CSeq: ${cseq} ${method}`,
      'Contact: <sip:src@192.0.2.10:5060>;+sip.src',
      ...extra,
    ],
    body,
  );
}

function simpleRequest(method: string, extra: string[] = [], branch = 'z9hG4bKopt'): Buffer {
  return sipMessage([
    `${method} sip:srs@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}`,
    'From: <sip:ping@192.0.2.10>;tag=p1',
    'To: <sip:srs@127.0.0.1>',
    'Call-ID: ping-1',
    `CSeq: 1 ${method}`,
    ...extra,
  ]);
}

async function answeredCall(h: Harness, p: InviteParams = P): Promise<SipResponse> {
  h.deliver(ciscoCube.build(p));
  await sleep(5);
  const ok = h.responses(200).at(-1);
  assert.ok(ok, 'a 200 OK');
  return ok!;
}

test('INVITE → 100 + 200 with an answer; the 200 is retransmitted until the ACK', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  assert.is(h.responses(100).length, 1);
  assert.is(h.registry.created.length, 1);
  const req = h.registry.created[0].req;
  assert.is(req.callerId, '+15551234567');
  assert.is(req.calledNumber, '+15559876543');
  assert.is(req.source, 'sip');
  assert.is(req.telephoneEventPt, 101);
  assert.match(getHeader(ok, 'contact')!, /;\+sip\.srs$/);
  assert.is(getHeader(ok, 'content-type'), 'application/sdp');
  assert.is(getHeader(ok, 'session-expires'), '1800;refresher=uac');
  assert.is(getHeader(ok, 'require'), 'timer');
  assert.ok(parseNameAddr(getHeader(ok, 'to')!)!.params.get('tag'));
  const sdp = parseSdp(ok.body.toString())!;
  assert.equal(sdp.media.map((m) => [m.port, m.label, m.direction]), [[31000, '1', 'recvonly'], [31002, '2', 'recvonly']]);

  await sleep(90); // T1 + 2·T1 + 4·T1 > 90 ms: at least two retransmissions
  const before = h.responses(200).length;
  assert.ok(before >= 3, `retransmitted: ${before} copies`);
  h.deliver(ack(ok));
  await sleep(120);
  assert.is(h.responses(200).length, before, 'no retransmission after the ACK');
  assert.is(h.counters.get('acks'), 1);
  const extra = h.registry.created[0].session.extraInfo;
  assert.is(extra.sip_call_id, P.callId);
  assert.equal(extra.labels, { incoming: '1', outgoing: '2' });
  const siprec = extra.siprec as { metadata: unknown[]; participants: Array<{ role: string }>; streams: Array<{ port: number }> };
  assert.is(siprec.metadata.length, 1);
  assert.equal(siprec.participants.map((x) => x.role), ['caller', 'callee']);
  assert.equal(siprec.streams.map((s) => s.port), [31000, 31002]);
});

test('retransmitted INVITEs make one session and get the same answer', async () => {
  const h = harness();
  let open!: () => void;
  h.registry.gate = new Promise((r) => (open = r));
  const bytes = oracleAcme.build(P);
  h.deliver(bytes);
  h.deliver(bytes);
  h.deliver(bytes);
  assert.is(h.responses(100).length, 3, '100 Trying again for each retransmission');
  open();
  await sleep(5);
  h.deliver(bytes);
  h.deliver(bytes);
  assert.is(h.registry.created.length, 1);
  const oks = h.responses(200);
  assert.ok(oks.length >= 3);
  assert.ok(oks.every((o) => o.body.equals(oks[0].body) && getHeader(o, 'to') === getHeader(oks[0], 'to')), 'the same 200 OK');
  assert.is(h.counters.get('retransmissions_absorbed'), 4);
  // Acme's metadata puts the caller on the second m= line.
  const sdp = parseSdp(oks[0].body.toString())!;
  assert.equal(sdp.media.map((m) => [m.label, m.port]), [['917505', 31002], ['917504', 31000]]);
  h.deliver(ack(oks[0]));
});

test('CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE, recording dropped', async () => {
  const h = harness();
  let open!: () => void;
  h.registry.gate = new Promise((r) => (open = r));
  h.deliver(ciscoCube.build(P));
  h.deliver(
    sipMessage([
      `CANCEL sip:srs@${P.srs};transport=udp SIP/2.0`,
      `Via: SIP/2.0/UDP ${P.host}:${P.port};branch=${P.branch};rport`,
      `From: <sip:+15551234567@192.0.2.77>;tag=${P.fromTag}`,
      `To: <sip:srs@${P.srs}>`,
      `Call-ID: ${P.callId}`,
      'CSeq: 1 CANCEL',
    ]),
  );
  const finals = h.responses().filter((r) => r.status >= 200);
  assert.equal(finals.map((r) => [r.status, getHeader(r, 'cseq')]), [[200, '1 CANCEL'], [487, '1 INVITE']]);
  open();
  await sleep(5);
  assert.equal(h.registry.discarded, ['s0']);
  assert.equal(h.registry.hangups, [['s0', 'sip_cancel']]);
  assert.is(h.responses(200).filter((r) => getHeader(r, 'cseq') === '1 INVITE').length, 0, 'never a 200 for the INVITE');
  // The 487 is retransmitted (timer G) until its ACK, which uses the INVITE's branch.
  await sleep(50);
  const n487 = h.responses(487).length;
  assert.ok(n487 >= 2, `487 retransmitted (${n487})`);
  h.deliver(
    sipMessage([
      `ACK sip:srs@${P.srs} SIP/2.0`,
      `Via: SIP/2.0/UDP ${P.host}:${P.port};branch=${P.branch}`,
      `From: <sip:+15551234567@192.0.2.77>;tag=${P.fromTag}`,
      `To: ${getHeader(h.responses(487)[0], 'to')}`,
      `Call-ID: ${P.callId}`,
      'CSeq: 1 ACK',
    ]),
  );
  await sleep(100);
  assert.is(h.responses(487).length, n487, 'ACK stops the 487');
});

test('CANCEL for nothing: 481', () => {
  const h = harness();
  h.deliver(simpleRequest('CANCEL'));
  assert.equal(h.responses().map((r) => r.status), [481]);
});

test('refusals: 420 with Unsupported, 422 with Min-SE, 488 for no usable codec, 503 with Retry-After at capacity', async () => {
  const h = harness();
  const base = ciscoCube.build(P).toString('latin1');
  const withHeader = (line: string, branch: string) =>
    Buffer.from(base.replace('Require: siprec\r\n', `Require: siprec, foo, 100rel\r\n${line}`).replace(P.branch, branch), 'latin1');
  h.deliver(withHeader('', 'z9hG4bK420'));
  const r420 = h.responses(420)[0];
  assert.is(getHeader(r420, 'unsupported'), 'foo, 100rel');

  h.deliver(Buffer.from(base.replace('Session-Expires: 1800', 'Session-Expires: 30').replace(P.branch, 'z9hG4bK422'), 'latin1'));
  assert.is(getHeader(h.responses(422)[0], 'min-se'), '90');

  const g729 = sipMessage(
    [
      'INVITE sip:srs@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK488',
      'From: <sip:a@x>;tag=1',
      'To: <sip:srs@127.0.0.1>',
      'Call-ID: g729',
      'CSeq: 1 INVITE',
      'Content-Type: application/sdp',
    ],
    crlf(['v=0', 'o=x 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 4000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', 'a=label:1', 'a=sendonly']),
  );
  h.deliver(g729);
  await sleep(5);
  assert.match(getHeader(h.responses(488)[0], 'warning')!, /^305 callrec/);

  h.registry.failWith = 'CALLREC_ERR_NO_PORTS';
  h.deliver(Buffer.from(base.replace(P.branch, 'z9hG4bK503').replace(P.callId, 'full-1'), 'latin1'));
  await sleep(5);
  const r503 = h.responses(503)[0];
  assert.is(getHeader(r503, 'retry-after'), '30');
  assert.is(h.registry.created.length, 0);
});

test('re-INVITE pauses and resumes a stream on the same ports; metadata versions are kept', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  const original = parseSdp(ok.body.toString())!;
  const offer = (dir2: string, version: number) =>
    crlf([
      'v=0',
      `o=CiscoSystemsSIP-GW-UserAgent 1001 ${version} IN IP4 192.0.2.10`,
      's=SIP Call',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=audio 16384 RTP/AVP 0 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=label:1',
      'a=sendonly',
      'm=audio 16386 RTP/AVP 0 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=label:2',
      `a=${dir2}`,
    ]);
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKre2', ['Content-Type: application/sdp'], offer('inactive', 2)));
  const ok2 = h.responses(200).filter((r) => getHeader(r, 'cseq') === '2 INVITE')[0];
  const paused = parseSdp(ok2.body.toString())!;
  assert.equal(paused.media.map((m) => [m.port, m.direction]), [[31000, 'recvonly'], [31002, 'inactive']]);
  assert.is(Number(paused.origin!.sessionVersion), Number(original.origin!.sessionVersion) + 1, 'o= version bumped');
  h.deliver(ack(ok2, 2, 'z9hG4bKack2'));

  const meta = crlf(['<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>partial</datamode></recording>']);
  const body =
    `--b\r\nContent-Type: application/sdp\r\n\r\n${offer('sendonly', 3)}\r\n` +
    `--b\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n${meta}\r\n--b--\r\n`;
  h.deliver(inDialog(ok, 'INVITE', 3, 'z9hG4bKre3', ['Content-Type: multipart/mixed;boundary=b'], body));
  const ok3 = h.responses(200).filter((r) => getHeader(r, 'cseq') === '3 INVITE')[0];
  const resumed = parseSdp(ok3.body.toString())!;
  assert.equal(resumed.media.map((m) => [m.port, m.direction]), [[31000, 'recvonly'], [31002, 'recvonly']]);
  h.deliver(ack(ok3, 3, 'z9hG4bKack3'));

  // The same offer again (a session refresh): same answer, same version.
  h.deliver(inDialog(ok, 'UPDATE', 4, 'z9hG4bKup4', ['Content-Type: application/sdp', 'Session-Expires: 1800;refresher=uac', 'Supported: timer'], offer('sendonly', 3)));
  const ok4 = h.responses(200).filter((r) => getHeader(r, 'cseq') === '4 UPDATE')[0];
  assert.is(parseSdp(ok4.body.toString())!.origin!.sessionVersion, resumed.origin!.sessionVersion);
  assert.is(getHeader(ok4, 'session-expires'), '1800;refresher=uac');

  const extra = h.registry.created[0].session.extraInfo;
  assert.equal((extra.siprec as { metadata: Array<{ method: string; cseq: number }> }).metadata.map((m) => [m.method, m.cseq]), [['INVITE', 1], ['INVITE', 3]]);
  assert.is(h.registry.created.length, 1);
  assert.equal(h.registry.hangups, []);

  // An old CSeq is out of order.
  h.deliver(inDialog(ok, 'UPDATE', 2, 'z9hG4bKold', ['Content-Type: application/sdp'], offer('sendonly', 3)));
  assert.is(h.responses(500).length, 1);
});

test('BYE → 200 and the recording is finalized; a second BYE is 481', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  h.deliver(inDialog(ok, 'BYE', 2, 'z9hG4bKbye'));
  assert.equal(h.registry.hangups, [['s0', 'sip_bye']]);
  assert.is(h.responses(200).filter((r) => getHeader(r, 'cseq') === '2 BYE').length, 1);
  h.deliver(inDialog(ok, 'BYE', 3, 'z9hG4bKbye2'));
  assert.is(h.responses(481).length, 1);
  assert.is(h.uas.dialogs.size, 0);
});

test('no ACK within 64·T1: BYE sent, recording ended', async () => {
  const h = harness();
  await answeredCall(h);
  await sleep(64 * TIMERS.t1 + 150);
  assert.equal(h.registry.hangups, [['s0', 'sip_no_ack']]);
  const bye = h.requests('BYE')[0];
  assert.ok(bye, 'a BYE');
  assert.is(bye.uri, `sip:src@${P.host}:${P.port};transport=udp`);
});

test('a recording ended elsewhere (RTP timeout, API) sends an in-dialog BYE, retransmitted until answered', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  h.registry.created[0].session.state = 'ended';
  h.uas.sweep();
  const bye = h.requests('BYE')[0];
  assert.ok(bye);
  const ourTag = parseNameAddr(getHeader(ok, 'to')!)!.params.get('tag');
  assert.is(parseNameAddr(getHeader(bye, 'from')!)!.params.get('tag'), ourTag);
  assert.is(parseNameAddr(getHeader(bye, 'to')!)!.params.get('tag'), P.fromTag);
  assert.is(getHeader(bye, 'call-id'), P.callId);
  assert.is(getHeader(bye, 'cseq'), '1 BYE');
  assert.match(getHeader(bye, 'reason')!, /recording ended/);
  await sleep(50);
  const copies = h.requests('BYE').length;
  assert.ok(copies >= 2, 'retransmitted over UDP');
  const via = getHeader(bye, 'via')!;
  h.deliver(sipMessage(['SIP/2.0 200 OK', `Via: ${via}`, `From: ${getHeader(bye, 'from')}`, `To: ${getHeader(bye, 'to')}`, `Call-ID: ${P.callId}`, 'CSeq: 1 BYE']));
  await sleep(100);
  assert.is(h.requests('BYE').length, copies, 'the 200 stops it');
  assert.equal(h.registry.hangups, [], 'the registry ended it already');
});

test('OPTIONS, unknown and unsupported methods, malformed requests', () => {
  const h = harness();
  h.deliver(simpleRequest('OPTIONS'));
  const opt = h.responses(200)[0];
  assert.is(getHeader(opt, 'allow'), 'INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE');
  assert.match(getHeader(opt, 'accept')!, /application\/rs-metadata\+xml/);
  assert.match(getHeader(opt, 'supported')!, /siprec/);
  h.deliver(simpleRequest('SUBSCRIBE', [], 'z9hG4bKsub'));
  h.deliver(simpleRequest('FROBNICATE', [], 'z9hG4bKfrob'));
  assert.equal(h.responses().slice(1).map((r) => r.status), [405, 501]);
  h.deliver(Buffer.from('OPTIONS sip:srs@h SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKbad\r\nCSeq: 1 OPTIONS\r\n\r\n'));
  assert.match(h.responses(400)[0].reason, /missing from/);
  h.deliver(Buffer.from('OPTIONS sip:srs@h SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n'));
  assert.is(h.counters.get('dropped_no_via'), 1);
});

test('rport and received are stamped on the response Via', () => {
  const h = harness();
  h.deliver(simpleRequest('OPTIONS'), { transport: 'udp', address: '203.0.113.5', port: 40000, connection: null });
  const via = getHeader(h.responses(200)[0], 'via')!;
  assert.is(via, 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKopt;received=203.0.113.5');
  h.deliver(
    Buffer.from(simpleRequest('OPTIONS', [], 'z9hG4bKr2').toString().replace('branch=z9hG4bKr2', 'branch=z9hG4bKr2;rport')),
    { transport: 'udp', address: '203.0.113.5', port: 40000, connection: null },
  );
  assert.is(getHeader(h.responses(200)[1], 'via'), 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr2;rport=40000;received=203.0.113.5');
});

test('close(): BYE for every live dialog, new INVITEs get 503', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  h.uas.close();
  assert.is(h.requests('BYE').length, 1);
  h.deliver(ciscoCube.build({ ...P, branch: 'z9hG4bKlate', callId: 'late' }));
  await sleep(5);
  assert.is(getHeader(h.responses(503)[0], 'retry-after'), '30');
});

test('session timer: no refresh before expiry ends the call with a BYE', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  const dialog = [...h.uas.dialogs.values()][0];
  h.uas.armSessionTimer(dialog, 0.06); // BYE at 60 ms − 20 ms
  await sleep(80);
  assert.equal(h.registry.hangups, [['s0', 'session_timer']]);
  assert.match(getHeader(h.requests('BYE')[0], 'reason')!, /session timer expired/);
  assert.is(h.uas.dialogs.size, 0);
});

test('close() while an INVITE is binding its ports: 503, and the started recording is ended', async () => {
  const h = harness();
  let open!: () => void;
  h.registry.gate = new Promise((r) => (open = r));
  h.deliver(ciscoCube.build(P));
  h.uas.close();
  open();
  await sleep(5);
  assert.equal(h.responses().filter((r) => r.status >= 200).map((r) => r.status), [503]);
  assert.equal(h.registry.discarded, ['s0']);
  assert.equal(h.registry.hangups, [['s0', 'shutdown']]);
  assert.is(h.uas.dialogs.size, 0);
});

test('while the recorder starts: OPTIONS and INVITE get 503, nothing is created', async () => {
  let ready = false;
  const h = harness({ isReady: () => ready });
  h.deliver(simpleRequest('OPTIONS'));
  h.deliver(ciscoCube.build(P));
  await sleep(5);
  assert.equal(h.responses().filter((r) => r.status >= 200).map((r) => [r.status, getHeader(r, 'cseq')]), [[503, '1 OPTIONS'], [503, '1 INVITE']]);
  assert.is(h.registry.created.length, 0);
  ready = true;
  h.deliver(simpleRequest('OPTIONS', [], 'z9hG4bKready'));
  assert.is(h.responses(200).length, 1);
});

/** An SDP offer of audio lines [label, port, direction] (PCMU + telephone-event 101). */
function audioOffer(version: number, lines: Array<[string, number, string]>): string {
  const out = ['v=0', `o=src 1001 ${version} IN IP4 192.0.2.10`, 's=-', 'c=IN IP4 192.0.2.10', 't=0 0'];
  for (const [label, port, dir] of lines) {
    out.push(`m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', `a=label:${label}`, `a=${dir}`);
  }
  return crlf(out);
}

function okFor(h: Harness, cseq: string): SipResponse {
  const ok = h.responses(200).filter((r) => getHeader(r, 'cseq') === cseq)[0];
  assert.ok(ok, `a 200 for ${cseq}`);
  return ok;
}

const answered = (res: SipResponse) => parseSdp(res.body.toString())!.media.map((m) => [m.label, m.port, m.direction]);

test('three audio lines: the third is an extra stream on a port of its own, answered in its direction and kept across re-offers', async () => {
  const h = harness();
  h.deliver(openSips.build(P));
  await sleep(5);
  const ok = okFor(h, '1 INVITE');
  assert.equal(h.registry.streamsAdded, [['s0', '2', undefined]], 'one extra stream, labelled 2 (no telephone-event offered)');
  assert.equal(answered(ok), [['0', 31000, 'recvonly'], ['1', 31002, 'recvonly'], ['2', 31100, 'inactive']]);
  const extra = h.registry.created[0].session.extraInfo as { labels: unknown; siprec: { streams: Array<{ leg: string; port: number }> } };
  assert.equal(extra.siprec.streams.map((s) => [s.leg, s.port]), [['incoming', 31000], ['outgoing', 31002], ['extra_2', 31100]]);
  assert.equal(extra.labels, { incoming: '0', outgoing: '1', extra_2: '2' });
  assert.equal(h.registry.inactive, [], 'two streams send: not on hold');
  h.deliver(ack(ok));

  // The same three lines again, the third now sending: same ports, no new leg.
  const three: Array<[string, number, string]> = [['0', 35000, 'sendonly'], ['1', 35002, 'sendonly'], ['2', 35004, 'sendonly']];
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKx2', ['Content-Type: application/sdp'], audioOffer(2, three)));
  assert.equal(answered(okFor(h, '2 INVITE')), [['0', 31000, 'recvonly'], ['1', 31002, 'recvonly'], ['2', 31100, 'recvonly']], 'answered in the same tick');
  assert.is(h.registry.streamsAdded.length, 1);
  h.deliver(ack(okFor(h, '2 INVITE'), 2, 'z9hG4bKa2'));
});

test('a re-INVITE adding a stream binds an extra leg; dropped (port 0) and offered again, it gets the same port back', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  const lines: Array<[string, number, string]> = [['1', 16384, 'sendonly'], ['2', 16386, 'sendonly'], ['whisper', 16388, 'sendonly']];
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKadd', ['Content-Type: application/sdp'], audioOffer(2, lines)));
  await sleep(5);
  assert.equal(h.registry.streamsAdded, [['s0', 'whisper', 101]]);
  const ok2 = okFor(h, '2 INVITE');
  assert.equal(answered(ok2), [['1', 31000, 'recvonly'], ['2', 31002, 'recvonly'], ['whisper', 31100, 'recvonly']]);
  h.deliver(ack(ok2, 2, 'z9hG4bKa2'));

  lines[2] = ['whisper', 0, 'sendonly'];
  h.deliver(inDialog(ok, 'UPDATE', 3, 'z9hG4bKdrop', ['Content-Type: application/sdp'], audioOffer(3, lines)));
  // A refused line carries no direction attribute (the parser's default is sendrecv).
  assert.equal(answered(okFor(h, '3 UPDATE')), [['1', 31000, 'recvonly'], ['2', 31002, 'recvonly'], ['whisper', 0, 'sendrecv']]);
  lines[2] = ['whisper', 16390, 'sendonly'];
  h.deliver(inDialog(ok, 'UPDATE', 4, 'z9hG4bKback', ['Content-Type: application/sdp'], audioOffer(4, lines)));
  await sleep(5);
  assert.equal(answered(okFor(h, '4 UPDATE')), [['1', 31000, 'recvonly'], ['2', 31002, 'recvonly'], ['whisper', 31100, 'recvonly']]);
  assert.is(h.registry.streamsAdded.length, 1, 'the dropped line took its leg back');
  const siprec = h.registry.created[0].session.extraInfo.siprec as { streams: Array<{ leg: string }> };
  assert.equal(siprec.streams.map((s) => s.leg), ['incoming', 'outgoing', 'extra_whisper']);
});

test('an offer arriving while an extra port is being bound gets 500 with Retry-After; the first is answered', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  let open!: () => void;
  h.registry.gate = new Promise((r) => (open = r));
  const lines: Array<[string, number, string]> = [['1', 16384, 'sendonly'], ['2', 16386, 'sendonly'], ['3', 16388, 'sendonly']];
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKslow', ['Content-Type: application/sdp'], audioOffer(2, lines)));
  h.deliver(inDialog(ok, 'UPDATE', 3, 'z9hG4bKbusy', ['Content-Type: application/sdp'], audioOffer(3, lines)));
  const busy = h.responses(500)[0];
  assert.is(getHeader(busy, 'cseq'), '3 UPDATE');
  assert.ok(Number(getHeader(busy, 'retry-after')) <= 10);
  open();
  await sleep(5);
  assert.equal(answered(okFor(h, '2 INVITE')).map((l) => l[1]), [31000, 31002, 31100]);
});

test('hold: every stream a=inactive (or port 0) tells the registry; a stream sending again clears it', async () => {
  const h = harness();
  const ok = await answeredCall(h);
  h.deliver(ack(ok));
  const offer = (v: number, d1: string, d2: string, p2 = 16386) => audioOffer(v, [['1', 16384, d1], ['2', p2, d2]]);
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKh1', ['Content-Type: application/sdp'], offer(2, 'inactive', 'sendonly')));
  assert.equal(h.registry.inactive, [], 'one stream still sends');
  h.deliver(inDialog(ok, 'INVITE', 3, 'z9hG4bKh2', ['Content-Type: application/sdp'], offer(3, 'inactive', 'inactive')));
  assert.equal(answered(okFor(h, '3 INVITE')).map((l) => l[2]), ['inactive', 'inactive']);
  assert.equal(h.registry.inactive, [['s0', true]]);
  h.deliver(inDialog(ok, 'UPDATE', 4, 'z9hG4bKh3', ['Content-Type: application/sdp'], offer(4, 'inactive', 'sendonly', 0)));
  assert.equal(h.registry.inactive, [['s0', true]], 'inactive + port 0 is still on hold: nothing new to say');
  h.deliver(inDialog(ok, 'UPDATE', 5, 'z9hG4bKh4', ['Content-Type: application/sdp'], offer(5, 'sendonly', 'sendonly')));
  assert.equal(h.registry.inactive, [['s0', true], ['s0', false]]);
});

test('an INVITE offering every stream inactive starts on hold', async () => {
  const h = harness();
  h.deliver(sipMessage(
    ['INVITE sip:srs@127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKheld', 'From: <sip:7001@pbx>;tag=h', 'To: <sip:srs@127.0.0.1>', 'Call-ID: held-1', 'CSeq: 1 INVITE', 'Contact: <sip:src@192.0.2.10>', 'Content-Type: application/sdp'],
    audioOffer(1, [['1', 9100, 'inactive'], ['2', 9102, 'recvonly']]),
  ));
  await sleep(5);
  assert.equal(answered(okFor(h, '1 INVITE')).map((l) => l[2]), ['inactive', 'inactive']);
  assert.equal(h.registry.inactive, [['s0', true]]);
});

/** The body and Content-Type of a vendor INVITE, to send again inside the dialog. */
function bodyOf(bytes: Buffer): { contentType: string; body: string } {
  const r = parseSipMessage(bytes);
  assert.ok(r.ok);
  return { contentType: getHeader(r.message, 'content-type')!, body: r.message.body.toString() };
}

test('late metadata: an SDP-only INVITE, then a re-INVITE with metadata names the parties; legs stay where they are', async () => {
  const h = harness();
  h.deliver(sdpOnly.build(P));
  await sleep(5);
  const ok = okFor(h, '1 INVITE');
  const session = h.registry.created[0].session;
  assert.is(session.callerId, '5551000', 'From / To until metadata comes');
  h.deliver(ack(ok));
  // Cisco's metadata with the labels swapped: the caller sends line 2. Line 1 keeps the incoming leg.
  const { contentType, body } = bodyOf(ciscoCube.build(P));
  const swapped = body.replace('<label>1</label>', '<label>X</label>').replace('<label>2</label>', '<label>1</label>').replace('<label>X</label>', '<label>2</label>');
  h.deliver(inDialog(ok, 'INVITE', 2, 'z9hG4bKmeta', [`Content-Type: ${contentType}`], swapped));
  const ok2 = okFor(h, '2 INVITE');
  assert.is(session.callerId, '+15551234567');
  assert.is(session.calledNumber, '+15559876543');
  assert.equal(answered(ok2).map((l) => l[1]), [31000, 31002], 'no port moved');
  const siprec = session.extraInfo.siprec as { participants: Array<{ role: string | null }>; streams: Array<{ leg: string }>; metadata: unknown[] };
  assert.equal(siprec.participants.map((p) => p.role), ['caller', 'callee']);
  assert.equal(siprec.streams.map((s) => s.leg), ['incoming', 'outgoing']);
  assert.is(siprec.metadata.length, 1);

  // Later metadata does not change parties learnt already.
  const other = body.replace(/\+15551234567/g, '+19990000000');
  h.deliver(inDialog(ok, 'UPDATE', 3, 'z9hG4bKmeta2', [`Content-Type: ${contentType}`], other));
  okFor(h, '3 UPDATE');
  assert.is(session.callerId, '+15551234567');
});

test('late metadata in an UPDATE without SDP is read against the last offer', async () => {
  const h = harness();
  h.deliver(sdpOnly.build(P));
  await sleep(5);
  const ok = okFor(h, '1 INVITE');
  h.deliver(ack(ok));
  const xml = bodyOf(ciscoCube.build(P)).body.split('Content-Type: application/rs-metadata+xml')[1].replace(/^[^<]*/, '').replace(/\r\n--uniqueBoundary--\r\n$/, '');
  h.deliver(inDialog(ok, 'UPDATE', 2, 'z9hG4bKmu', ['Content-Type: application/rs-metadata+xml', 'Content-Disposition: recording-session'], xml));
  const ok2 = okFor(h, '2 UPDATE');
  assert.is(ok2.body.length, 0);
  const session = h.registry.created[0].session;
  assert.equal([session.callerId, session.calledNumber], ['+15551234567', '+15559876543']);
});

test.run();
