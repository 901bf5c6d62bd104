/**
 * SPEC §3 payload handling, over real UDP to the real server: PCMU/PCMA
 * switching mid-leg, comfort noise, RFC 4733 telephone-events, CSRC lists,
 * header extensions and padding, and payload types callrec does not decode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeG711Reference, makeG711Codes } from '../helpers/g711.js';
import { RTP_HEADER_BYTES, RtpLeg, SAMPLES_PER_PACKET, buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers, startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { findAudioStart } from '../helpers/call-check.js';
import { assertSegments, hangup, readLeg, sendSchedule, startCall } from './support.js';
import type { Send } from './support.js';

const N = 60;
const MS = 20;

let server: ServerProcess;
let dir: string;
const legs: RtpLeg[] = [];

test.before(async () => {
  dir = makeTempDir('media-payload');
  server = await startServer({ sessionsDir: dir, rtpPorts: '37100-37199' });
});
test.after.each(async () => {
  await Promise.all(legs.splice(0).map((l) => l.close()));
});
test.after(() => {
  killServers();
  removeTempDirs();
});

/** Packet i of `leg` with another payload type and payload (same seq/ts/SSRC). */
function variant(leg: RtpLeg, i: number, payloadType: number, payload: Uint8Array): Buffer {
  return buildRtpPacket({
    payloadType,
    sequenceNumber: leg.firstSequence + i,
    timestamp: leg.firstTimestamp + i * SAMPLES_PER_PACKET,
    ssrc: leg.ssrc,
    marker: i === 0,
    payload,
  });
}

async function oneLegCall(seed: number, build: (leg: RtpLeg) => { sends: Send[]; expected: Int16Array }) {
  const call = await startCall(server);
  const leg = await RtpLeg.open({ port: call.incoming, codec: 'PCMU', seed, packets: N });
  legs.push(leg);
  const { sends, expected } = build(leg);
  await sendSchedule(leg, sends);
  const info = await hangup(server, call.id);
  const samples = readLeg(dir, info, 'incoming_audio');
  assertSegments(samples, [{ start: findAudioStart(samples), audio: expected }], `seed ${seed}`);
  return info;
}

test('PCMU and PCMA switching mid-leg are each decoded by their own law', async () => {
  const alawCodes = makeG711Codes(902, 'PCMA', N * SAMPLES_PER_PACKET);
  await oneLegCall(901, (leg) => {
    const expected = leg.expected(N);
    const sends: Send[] = [];
    for (let i = 0; i < N; i++) {
      if (i < 30) {
        sends.push({ at: i * MS, data: leg.packet(i) });
      } else {
        const codes = alawCodes.subarray(i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET);
        sends.push({ at: i * MS, data: variant(leg, i, 8, codes) });
        expected.set(decodeG711Reference('PCMA', codes), i * SAMPLES_PER_PACKET);
      }
    }
    return { sends, expected };
  });
});

test('comfort noise (PT 13) is silence; telephone-events (PT 101) are counted, not audio; unknown PTs dropped and counted', async () => {
  const info = await oneLegCall(911, (leg) => {
    const expected = leg.expected(N);
    const sends: Send[] = [];
    for (let i = 0; i < N; i++) {
      let data = leg.packet(i);
      const silent = () => expected.fill(0, i * SAMPLES_PER_PACKET, (i + 1) * SAMPLES_PER_PACKET);
      if (i >= 10 && i < 15) {
        data = variant(leg, i, 13, Uint8Array.of(40)); // CN: noise level only
        silent();
      } else if (i >= 20 && i < 24) {
        data = variant(leg, i, 101, Uint8Array.of(5, i === 23 ? 0x8a : 0x0a, 0x01, 0x40)); // digit 5
        silent();
      } else if (i >= 30 && i < 33) {
        data = variant(leg, i, 18, new Uint8Array(20)); // G.729: not decoded here
        silent();
      }
      sends.push({ at: i * MS, data });
    }
    return { sends, expected };
  });
  const stats = info.stats.incoming;
  assert.is(stats.comfort_noise, 5);
  assert.is(stats.telephone_events, 4);
  assert.is(stats.dropped.unknown_payload_type, 3);
  assert.is(stats.recorded, N - 12);
});

test('CSRC lists, header extensions and padding are honoured', async () => {
  await oneLegCall(921, (leg) => {
    const sends: Send[] = [];
    for (let i = 0; i < N; i++) {
      const plain = leg.packet(i);
      const payload = plain.subarray(RTP_HEADER_BYTES);
      const csrcs = i % 3; // 0, 1 or 2 contributing sources
      const extWords = i % 2 === 0 ? 2 : 0;
      const padding = i % 4 === 1 ? 4 : 0;
      const headerBytes = RTP_HEADER_BYTES + csrcs * 4 + (extWords > 0 ? 4 + extWords * 4 : 0);
      const packet = Buffer.alloc(headerBytes + payload.length + padding, 0xee);
      plain.copy(packet, 0, 0, RTP_HEADER_BYTES);
      packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (extWords > 0 ? 0x10 : 0) | csrcs;
      let at = RTP_HEADER_BYTES + csrcs * 4;
      if (extWords > 0) {
        packet.writeUInt16BE(0xbede, at);
        packet.writeUInt16BE(extWords, at + 2);
        at += 4 + extWords * 4;
      }
      payload.copy(packet, at);
      if (padding > 0) packet[packet.length - 1] = padding;
      sends.push({ at: i * MS, data: packet });
    }
    return { sends, expected: leg.expected(N) };
  });
});

test.run();
