/**
 * RFC 3261 message parsing and serializing on literal bytes: compact and
 * folded headers, several Via, framing by Content-Length, and the garbage
 * that must come back as a named failure, never a throw.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader, getHeaders, parseNameAddr, parseSipMessage, parseVia, serializeMessage, uriUser } from '../../src/sip/index.js';
import type { SipRequest, SipResponse } from '../../src/sip/index.js';
import { createPrng } from '../helpers/prng.js';

const INVITE_BYTES = Buffer.from(
  'INVITE sip:srs@198.51.100.20 SIP/2.0\r\n' +
    'v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy,SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKsrc;received=192.0.2.10\r\n' +
    'Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKv6\r\n' +
    'Max-Forwards: 69\r\n' +
    'f: "Alice, A." <sip:+15551234567@192.0.2.10;user=phone>;tag=abc\r\n' +
    't: <sip:srs@198.51.100.20>\r\n' +
    'i: 1-2-3@192.0.2.10\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Subject: a folded\r\n' +
    '  header\r\n' +
    '\tvalue\r\n' +
    'k: timer, siprec\r\n' +
    'c: application/sdp\r\n' +
    'l: 5\r\n' +
    '\r\n' +
    'v=0\r\n',
);

test('parses a request with compact, folded and repeated headers', () => {
  const r = parseSipMessage(INVITE_BYTES);
  assert.ok(r.ok);
  const req = (r as { message: SipRequest }).message;
  assert.is(req.kind, 'request');
  assert.is(req.method, 'INVITE');
  assert.is(req.uri, 'sip:srs@198.51.100.20');
  assert.is(getHeader(req, 'Call-ID'), '1-2-3@192.0.2.10');
  assert.is(getHeader(req, 'i'), '1-2-3@192.0.2.10');
  assert.is(getHeader(req, 'subject'), 'a folded header value');
  const vias = getHeaders(req, 'via');
  assert.is(vias.length, 3);
  assert.is(parseVia(vias[0])!.params.get('branch'), 'z9hG4bKproxy');
  assert.is(parseVia(vias[1])!.params.get('received'), '192.0.2.10');
  assert.is(parseVia(vias[2])!.host, '2001:db8::1');
  assert.is(parseVia(vias[2])!.port, 5070);
  assert.is(parseVia(vias[2])!.transport, 'TCP');
  const from = parseNameAddr(getHeader(req, 'from')!)!;
  assert.is(from.display, 'Alice, A.');
  assert.is(from.params.get('tag'), 'abc');
  assert.is(uriUser(from.uri), '+15551234567');
  assert.equal(getHeaders(req, 'supported'), ['timer', 'siprec']);
  assert.is(req.body.toString(), 'v=0\r\n');
});

test('name-addr: a < or an escaped quote inside the quoted display name is not the URI\'s bracket', () => {
  const a = parseNameAddr('"Support <24/7> \\"Desk\\"" <sip:desk@example.com>;tag=q1')!;
  assert.is(a.uri, 'sip:desk@example.com');
  assert.is(a.params.get('tag'), 'q1');
  assert.is(parseNameAddr('"unterminated <sip:x@example.com>'), null);
});

test('Content-Length cuts the body; a shorter body than announced is refused', () => {
  const longer = Buffer.concat([INVITE_BYTES, Buffer.from('trailing junk')]);
  const r = parseSipMessage(longer);
  assert.ok(r.ok);
  assert.is((r as { message: SipRequest }).message.body.toString(), 'v=0\r\n');
  const truncated = INVITE_BYTES.subarray(0, INVITE_BYTES.length - 2);
  assert.equal(parseSipMessage(truncated), { ok: false, reason: 'body_truncated' });
});

test('without Content-Length a datagram body runs to the end; on a stream it is empty', () => {
  const bytes = Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\nhello');
  const dgram = parseSipMessage(bytes, { datagram: true });
  assert.ok(dgram.ok);
  assert.is((dgram as { message: SipRequest }).message.body.toString(), 'hello');
  const stream = parseSipMessage(bytes, { datagram: false });
  assert.is((stream as { message: SipRequest }).message.body.length, 0);
});

test('leading CRLFs and bare LF line ends are tolerated', () => {
  const r = parseSipMessage(Buffer.from('\r\n\r\nOPTIONS sip:srs@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\nCSeq: 7 OPTIONS\n\n'));
  assert.ok(r.ok);
  assert.is(getHeader((r as { message: SipRequest }).message, 'cseq'), '7 OPTIONS');
});

test('parses a response', () => {
  const r = parseSipMessage(Buffer.from('SIP/2.0 487 Request Terminated\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nContent-Length: 0\r\n\r\n'));
  assert.ok(r.ok);
  const res = (r as { message: SipResponse }).message;
  assert.is(res.status, 487);
  assert.is(res.reason, 'Request Terminated');
});

test('serializes with canonical names and a matching Content-Length (literal bytes)', () => {
  const res: SipResponse = {
    kind: 'response',
    status: 200,
    reason: 'OK',
    headers: [
      { name: 'via', value: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1;rport=5060' },
      { name: 'call-id', value: 'x@y' },
      { name: 'cseq', value: '1 INVITE' },
      { name: 'min-se', value: '90' },
      { name: 'content-length', value: '999' },
      { name: 'content-type', value: 'application/sdp' },
    ],
    body: Buffer.from('v=0\r\n'),
  };
  assert.is(
    serializeMessage(res).toString(),
    'SIP/2.0 200 OK\r\n' +
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1;rport=5060\r\n' +
      'Call-ID: x@y\r\n' +
      'CSeq: 1 INVITE\r\n' +
      'Min-SE: 90\r\n' +
      'Content-Type: application/sdp\r\n' +
      'Content-Length: 5\r\n' +
      '\r\n' +
      'v=0\r\n',
  );
});

test('round trip: parse(serialize(parse(x))) keeps every header and the body', () => {
  const first = (parseSipMessage(INVITE_BYTES) as { message: SipRequest }).message;
  const again = parseSipMessage(serializeMessage(first));
  assert.ok(again.ok);
  const second = (again as { message: SipRequest }).message;
  assert.equal(second.headers.filter((h) => h.name !== 'content-length'), first.headers.filter((h) => h.name !== 'content-length'));
  assert.equal(second.body, first.body);
});

test('garbage is a named failure', () => {
  const cases: Array<[string | Buffer, string]> = [
    ['', 'empty'],
    ['\r\n\r\n', 'empty'],
    ['hello world', 'no_header_end'],
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'bad_start_line'],
    ['INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n', 'bad_header'],
    ['INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n', 'bad_header'],
    ['INVITE sip:a@b SIP/2.0\r\n folded-first: x\r\n\r\n', 'bad_header'],
    ['INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n', 'bad_content_length'],
    ['INVITE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nxx', 'bad_content_length'],
    ['SIP/2.0 999 Nope\r\n\r\n', 'bad_start_line'],
    [`INVITE sip:a@b SIP/2.0\r\n${'X-A: b\r\n'.repeat(300)}\r\n`, 'too_many_headers'],
    [`INVITE sip:a@b SIP/2.0\r\nX-Big: ${'a'.repeat(17000)}\r\n\r\n`, 'headers_too_large'],
    [Buffer.alloc(70_000, 0x41), 'too_large'],
  ];
  for (const [input, reason] of cases) {
    const r = parseSipMessage(typeof input === 'string' ? Buffer.from(input) : input);
    assert.equal(r, { ok: false, reason }, JSON.stringify(String(input).slice(0, 40)));
  }
});

test('random bytes and mutated messages never throw', () => {
  const next = createPrng(0x51b);
  const rand = () => next() / 2 ** 32;
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(rand() * 600);
    const bytes = Buffer.alloc(len);
    for (let j = 0; j < len; j++) bytes[j] = Math.floor(rand() * 256);
    parseSipMessage(bytes);
    const mutated = Buffer.from(INVITE_BYTES);
    for (let k = 0; k < 4; k++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
    parseSipMessage(mutated);
    parseSipMessage(mutated.subarray(0, Math.floor(rand() * mutated.length)));
  }
});

test.run();
