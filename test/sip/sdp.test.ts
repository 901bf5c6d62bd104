/**
 * SDP offers in, answers out (RFC 3264): directions mirrored, labels kept,
 * only decodable codecs, refused lines with port 0, literal answer bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerDirection, buildSdpAnswer, parseSdp, recordableCodecs } from '../../src/sip/index.js';

const OFFER =
  'v=0\r\n' +
  'o=SRC 2890844526 2890844526 IN IP4 192.0.2.10\r\n' +
  's=-\r\n' +
  'c=IN IP4 192.0.2.10\r\n' +
  't=0 0\r\n' +
  'a=sendonly\r\n' +
  'm=audio 49170 RTP/AVP 18 0 8 101\r\n' +
  'a=rtpmap:18 G729/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-16\r\n' +
  'a=label:96\r\n' +
  'm=audio 49172 RTP/AVP 8\r\n' +
  'c=IN IP4 192.0.2.11\r\n' +
  'a=label:97\r\n' +
  'a=inactive\r\n' +
  'm=audio 49174 RTP/SAVP 0\r\n' +
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n' +
  'a=label:98\r\n' +
  'm=audio 0 RTP/AVP 0\r\n' +
  'a=label:99\r\n' +
  'm=audio 49178 RTP/AVP 96\r\n' +
  'a=rtpmap:96 PCMU/16000\r\n';

test('parses media sections with session-level defaults', () => {
  const sdp = parseSdp(OFFER)!;
  assert.is(sdp.origin!.sessionVersion, '2890844526');
  assert.is(sdp.media.length, 5);
  const [a, b] = sdp.media;
  assert.is(a.direction, 'sendonly', 'session-level a=sendonly applies');
  assert.is(a.connection, '192.0.2.10');
  assert.is(a.label, '96');
  assert.equal(a.formats, ['18', '0', '8', '101']);
  assert.equal(a.rtpmap.get('101'), { encoding: 'telephone-event', clockRate: 8000, channels: 1 });
  assert.is(b.direction, 'inactive');
  assert.is(b.connection, '192.0.2.11');
});

test('recordable codecs: PCMU/PCMA over clear RTP, telephone-event at 8 kHz', () => {
  const m = parseSdp(OFFER)!.media;
  assert.equal(recordableCodecs(m[0]), { audio: [0, 8], telephoneEvent: 101 });
  assert.equal(recordableCodecs(m[1]), { audio: [8], telephoneEvent: null });
  assert.equal(recordableCodecs(m[2]).audio, [], 'SRTP cannot be recorded');
  assert.equal(recordableCodecs(m[4]).audio, [], 'dynamic PT, wrong rate');
});

test('directions: we only ever receive', () => {
  assert.is(answerDirection('sendonly'), 'recvonly');
  assert.is(answerDirection('sendrecv'), 'recvonly');
  assert.is(answerDirection('inactive'), 'inactive');
  assert.is(answerDirection('recvonly'), 'inactive');
});

test('answer bytes', () => {
  const m = parseSdp(OFFER)!.media;
  const text = buildSdpAnswer({
    host: '198.51.100.20',
    sessionId: '42',
    version: 3,
    streams: [
      { offer: m[0], port: 30000, audio: [0, 8], telephoneEvent: 101 },
      { offer: m[1], port: 30002, audio: [8], telephoneEvent: null },
      { offer: m[2], port: null, audio: [], telephoneEvent: null },
      { offer: m[3], port: null, audio: [], telephoneEvent: null },
      { offer: m[4], port: null, audio: [], telephoneEvent: null },
    ],
  });
  assert.is(
    text,
    'v=0\r\n' +
      'o=callrec 42 3 IN IP4 198.51.100.20\r\n' +
      's=callrec\r\n' +
      'c=IN IP4 198.51.100.20\r\n' +
      't=0 0\r\n' +
      'm=audio 30000 RTP/AVP 0 8 101\r\n' +
      'a=rtpmap:0 PCMU/8000\r\n' +
      'a=rtpmap:8 PCMA/8000\r\n' +
      'a=rtpmap:101 telephone-event/8000\r\n' +
      'a=fmtp:101 0-16\r\n' +
      'a=label:96\r\n' +
      'a=recvonly\r\n' +
      'm=audio 30002 RTP/AVP 8\r\n' +
      'a=rtpmap:8 PCMA/8000\r\n' +
      'a=label:97\r\n' +
      'a=inactive\r\n' +
      'm=audio 0 RTP/SAVP 0\r\n' +
      'a=label:98\r\n' +
      'm=audio 0 RTP/AVP 0\r\n' +
      'a=label:99\r\n' +
      'm=audio 0 RTP/AVP 96\r\n',
  );
});

test('bad SDP: no v= line or a broken m= line', () => {
  assert.is(parseSdp('o=x\r\nm=audio 1 RTP/AVP 0\r\n'), null);
  assert.is(parseSdp('v=0\r\nm=audio notaport RTP/AVP 0\r\n'), null);
  assert.is(parseSdp('v=0\r\nm=audio 70000 RTP/AVP 0\r\n'), null);
  assert.ok(parseSdp('v=0\r\ngarbage line\r\nx\r\n'));
});

test.run();
