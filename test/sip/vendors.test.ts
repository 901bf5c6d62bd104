/**
 * Vendor-style SIPREC INVITEs through the whole pure pipeline: parse the
 * bytes, read the multipart offer, plan the legs from the metadata, and
 * build the SDP answer. No sockets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Session } from '../../src/session/index.js';
import { getHeader, parseNameAddr, parseSdp, parseSipMessage, planStreams, readOffer } from '../../src/sip/index.js';
import type { SipRequest } from '../../src/sip/index.js';
import { answerStreams, chooseTelephoneEvent, recordableLines } from '../../src/sip/srs/answer-plan.js';
import { buildSdpAnswer } from '../../src/sip/sdp/answer.js';
import { DEFAULT_PARAMS, VENDOR_CASES, large4k } from './fixtures/vendors.js';

const fakeSession = {
  announceHost: '198.51.100.20',
  legs: { incoming: { receiver: { port: 30000 } }, outgoing: { receiver: { port: 30002 } } },
  extraLegs: [{ name: 'extra_x', receiver: { port: 30004 } }],
} as unknown as Session;
const PORTS: Record<string, number> = { incoming: 30000, outgoing: 30002, extra: 30004 };

for (const c of VENDOR_CASES) {
  test(`${c.name}: legs, parties and answer`, () => {
    const bytes = c.build(DEFAULT_PARAMS);
    const parsed = parseSipMessage(bytes);
    assert.ok(parsed.ok, `parse failed: ${!parsed.ok && parsed.reason}`);
    const req = parsed.message as SipRequest;
    assert.is(req.method, 'INVITE');
    assert.is(Number(getHeader(req, 'content-length')), req.body.length);
    const read = readOffer(req);
    assert.ok(read.ok, `offer: ${!read.ok && read.warning}`);
    const offer = read.offer;
    assert.ok(offer.sdp);
    const sdp = offer.sdp!;
    assert.equal(sdp.media.map((m) => m.label), c.expect.labels);
    assert.is(offer.metadata?.dialect ?? null, c.expect.dialect);

    const recordable = recordableLines(sdp);
    const plan = planStreams({
      media: sdp.media,
      recordable,
      metadata: offer.metadata,
      fromUri: parseNameAddr(getHeader(req, 'from')!)?.uri ?? null,
      toUri: parseNameAddr(getHeader(req, 'to')!)?.uri ?? null,
    });
    assert.equal(plan.legs, c.expect.legs);
    assert.is(plan.callerId, c.expect.callerId);
    assert.is(plan.calledNumber, c.expect.calledNumber);
    const te = chooseTelephoneEvent(sdp, plan.legs);
    assert.is(te, c.expect.telephoneEvent);

    // What bindExtraStreams does once the session exists: the extra line gets its own leg.
    const legs = plan.legs.map((leg) => (leg === 'extra' ? 'extra_x' : leg));
    const streams = answerStreams(sdp, legs, fakeSession, te);
    const answerText = buildSdpAnswer({ host: '198.51.100.20', sessionId: '1', version: 1, streams });
    const answer = parseSdp(answerText)!;
    assert.is(answer.media.length, sdp.media.length, 'one answered m= line per offered one');
    answer.media.forEach((m, i) => {
      assert.is(m.label, c.expect.labels[i], `label kept on line ${i + 1}`);
      const dir = c.expect.answered[i];
      if (dir === null) assert.is(m.port, 0, `line ${i + 1} refused`);
      else {
        assert.is(m.direction, dir, `direction of line ${i + 1}`);
        assert.is(m.port, PORTS[c.expect.legs[i] as string]);
        assert.ok(m.formats.every((f) => ['0', '8', String(te)].includes(f)), `only decodable codecs: ${m.formats}`);
      }
    });
  });
}

test('the 4 KB INVITE is at least 4 KB', () => {
  assert.ok(large4k.build(DEFAULT_PARAMS).length >= 4096, `${large4k.build(DEFAULT_PARAMS).length} bytes`);
});

test.run();
