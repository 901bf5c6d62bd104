/**
 * LegTimeline (SPEC §3): where each packet of a leg lands on the session's
 * timeline. Units are samples (8 kHz); a 20 ms G.711 packet is 160 samples.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LegTimeline, MAX_CLOCK_DISAGREEMENT_SAMPLES, Placement } from '../../src/record/leg-timeline.js';
import { createPrng } from '../helpers/prng.js';

const P = 160;
const SSRC = 0x11223344;

/** Place and return [placement, position]. */
function put(t: LegTimeline, seq: number, ts: number, arrival: number, ssrc = SSRC): [number, number] {
  const r = t.place(ssrc, seq & 0xffff, ts >>> 0, arrival);
  return [r, t.position];
}

test('constants: 1 s of disagreement allowed; PLACE and DUPLICATE are distinct', () => {
  assert.is(MAX_CLOCK_DISAGREEMENT_SAMPLES, 8000);
  assert.is.not(Placement.PLACE, Placement.DUPLICATE);
});

test('the first packet anchors at its arrival, whatever its timestamp', () => {
  const t = new LegTimeline();
  assert.is(t.anchored, false);
  assert.equal(put(t, 1000, 0x7654321, 12345), [Placement.PLACE, 12345]);
  assert.is(t.anchored, true);
  assert.is(t.reanchored, 0);
  assert.is(t.ssrcChanges, 0);
  assert.is(t.lost(), 0);
});

test('later packets go at anchor + timestamp distance, not at their arrival (jitter is absorbed)', () => {
  const t = new LegTimeline();
  put(t, 10, 5000, 800);
  assert.equal(put(t, 11, 5160, 800 + 160 + 70), [Placement.PLACE, 960]);
  assert.equal(put(t, 12, 5320, 800 + 320 - 90), [Placement.PLACE, 1120]);
  assert.equal(put(t, 13, 5480, 800 + 480 + 7999 - 160), [Placement.PLACE, 1280]);
});

test('loss leaves the gap: a packet after lost ones lands by its timestamp', () => {
  const t = new LegTimeline();
  put(t, 100, 0, 0);
  put(t, 101, P, P);
  // 102..104 lost.
  assert.equal(put(t, 105, 5 * P, 5 * P + 3), [Placement.PLACE, 5 * P]);
  assert.is(t.lost(), 3);
  assert.is(t.late, 0);
});

test('reorder lands in place, and counts as late, not lost', () => {
  const t = new LegTimeline();
  put(t, 1, 0, 0);
  put(t, 3, 2 * P, 2 * P);
  assert.is(t.lost(), 1);
  assert.equal(put(t, 2, P, 2 * P + 10), [Placement.PLACE, P]);
  assert.is(t.late, 1);
  assert.is(t.lost(), 0);
  assert.equal(put(t, 4, 3 * P, 3 * P), [Placement.PLACE, 3 * P]);
});

test('a packet reordered before the first one lands before it (even before 0: position may go negative)', () => {
  const t = new LegTimeline();
  put(t, 50, 1000, 100);
  assert.equal(put(t, 49, 1000 - P, 100 + 5), [Placement.PLACE, 100 - P]);
  assert.is(t.late, 1);
});

test('duplicates return DUPLICATE, are counted, and move nothing', () => {
  const t = new LegTimeline();
  put(t, 7, 0, 0);
  put(t, 8, P, P);
  put(t, 9, 2 * P, 2 * P);
  assert.is(t.place(SSRC, 8, P, 3 * P), Placement.DUPLICATE);
  assert.is(t.place(SSRC, 7, 0, 3 * P), Placement.DUPLICATE, 'the first packet is remembered too');
  assert.is(t.place(SSRC, 9, 2 * P, 3 * P), Placement.DUPLICATE);
  assert.is(t.duplicates, 3);
  assert.is(t.late, 0);
  assert.is(t.lost(), 0);
  assert.equal(put(t, 10, 3 * P, 3 * P), [Placement.PLACE, 3 * P]);
});

test('a duplicate of a reordered packet is a duplicate too', () => {
  const t = new LegTimeline();
  put(t, 1, 0, 0);
  put(t, 3, 2 * P, 2 * P);
  put(t, 2, P, 2 * P);
  assert.is(t.place(SSRC, 2, P, 3 * P), Placement.DUPLICATE);
  assert.is(t.duplicates, 1);
});

test('sequence numbers wrap at 65536 without loss, duplicates or lateness', () => {
  const t = new LegTimeline();
  for (let i = 0; i < 10; i++) assert.equal(put(t, 65530 + i, i * P, i * P), [Placement.PLACE, i * P]);
  assert.is(t.lost(), 0);
  assert.is(t.late, 0);
  assert.is(t.duplicates, 0);
  assert.is(t.place(SSRC, 65535, 5 * P, 10 * P), Placement.DUPLICATE);
  assert.is(t.place(SSRC, 1, 7 * P, 10 * P), Placement.DUPLICATE);
});

test('the 32-bit timestamp wraps mid-stream: positions keep going up by 160', () => {
  const t = new LegTimeline();
  const ts0 = 0xffffff00;
  for (let i = 0; i < 6; i++) {
    const [r, pos] = put(t, 300 + i, ts0 + i * P, 4000 + i * P);
    assert.is(r, Placement.PLACE);
    assert.is(pos, 4000 + i * P, `packet ${i} (timestamp 0x${((ts0 + i * P) >>> 0).toString(16)})`);
  }
  assert.is(t.reanchored, 0);
  // A reordered packet from before the wrap still lands in place.
  assert.equal(put(t, 299, ts0 - P, 4000 + 6 * P), [Placement.PLACE, 4000 - P]);
});

test('a new SSRC re-anchors at its arrival and counts a change; its sequence numbers start afresh', () => {
  const t = new LegTimeline();
  put(t, 10, 0, 0);
  put(t, 11, P, P);
  assert.equal(put(t, 10, 999999, 20000, 0xabcdef), [Placement.PLACE, 20000]);
  assert.is(t.ssrcChanges, 1);
  // Seq 11 under the new SSRC is new, not a duplicate of the old one.
  assert.equal(put(t, 11, 999999 + P, 20000 + P, 0xabcdef), [Placement.PLACE, 20000 + P]);
  // Back to the first SSRC: another change, anchored at arrival again.
  assert.equal(put(t, 12, 2 * P, 30000), [Placement.PLACE, 30000]);
  assert.is(t.ssrcChanges, 2);
  assert.is(t.duplicates, 0);
});

test('SSRC 0 is a valid first SSRC (not mistaken for "no SSRC yet")', () => {
  const t = new LegTimeline();
  assert.equal(put(t, 1, 0, 500, 0), [Placement.PLACE, 500]);
  assert.equal(put(t, 2, P, 600, 0), [Placement.PLACE, 500 + P]);
  assert.is(t.ssrcChanges, 0);
});

test('a timestamp jump of 10 minutes re-anchors at arrival; the stream goes on from there', () => {
  const t = new LegTimeline();
  for (let i = 0; i < 5; i++) put(t, i, i * P, 1000 + i * P);
  const tenMinutes = 10 * 60 * 8000;
  assert.equal(put(t, 5, 5 * P + tenMinutes, 1000 + 5 * P + 40), [Placement.PLACE, 1000 + 5 * P + 40]);
  assert.is(t.reanchored, 1);
  assert.equal(put(t, 6, 6 * P + tenMinutes, 1000 + 6 * P + 90), [Placement.PLACE, 1000 + 5 * P + 40 + P]);
  // Backwards by 10 minutes, in sequence: re-anchored too.
  assert.equal(put(t, 7, 7 * P, 1000 + 7 * P), [Placement.PLACE, 1000 + 7 * P]);
  assert.is(t.reanchored, 2);
});

test('disagreement of exactly 1 s is accepted, one sample more re-anchors', () => {
  const t = new LegTimeline();
  put(t, 1, 0, 0);
  assert.equal(put(t, 2, P + 8000, P), [Placement.PLACE, P + 8000]);
  assert.is(t.reanchored, 0);
  const u = new LegTimeline();
  put(u, 1, 0, 0);
  assert.equal(put(u, 2, P + 8001, P), [Placement.PLACE, P]);
  assert.is(u.reanchored, 1);
});

test('a forged timestamp on a reordered sequence number cannot place audio past arrival + 1 s', () => {
  const t = new LegTimeline();
  for (let i = 0; i < 10; i++) put(t, 100 + i, i * P, i * P);
  const r = t.place(SSRC, 95, 0x7fff0000, 10 * P);
  if (r === Placement.PLACE) assert.ok(t.position <= 10 * P + 8000, `placed at ${t.position}`);
});

test('lost(): per SSRC, summed across SSRC changes; late arrivals are not lost', () => {
  const t = new LegTimeline();
  assert.is(t.lost(), 0);
  // SSRC A: 10..19 without 12 and 15.
  for (const s of [10, 11, 13, 14, 16, 17, 18, 19]) put(t, s, (s - 10) * P, (s - 10) * P, 0xa);
  assert.is(t.lost(), 2);
  // SSRC B: 500..509 without 503, 504, 505.
  for (const s of [500, 501, 502, 506, 507, 508, 509]) put(t, s, s * P, 4000 + (s - 500) * P, 0xb);
  assert.is(t.lost(), 5);
  assert.is(t.ssrcChanges, 1);
  // 504 arrives late (B): one fewer lost.
  put(t, 504, 504 * P, 4000 + 10 * P, 0xb);
  assert.is(t.lost(), 4);
  // Duplicates change nothing.
  t.place(0xb, 506, 506 * P, 4000 + 11 * P);
  assert.is(t.lost(), 4);
});

test('property: random jitter (< 1 s), loss, reorder and duplicates never move a packet off anchor + timestamp', () => {
  const rnd = createPrng(0x71e);
  for (let round = 0; round < 20; round++) {
    const t = new LegTimeline();
    const seq0 = rnd() & 0xffff;
    const ts0 = rnd();
    const start = rnd() % 100000;
    const packets: { i: number; arrival: number }[] = [];
    for (let i = 0; i < 1500; i++) {
      if (i > 0 && rnd() % 20 === 0) continue; // lost
      packets.push({ i, arrival: start + i * P + (rnd() % 4000) });
      if (rnd() % 30 === 0) packets.push({ i, arrival: start + i * P + 4000 + (rnd() % 1000) }); // duplicate
    }
    packets[0].arrival = start; // the first to arrive anchors
    const order = packets.slice(1).sort((a, b) => a.arrival - b.arrival);
    order.unshift(packets[0]);
    const placed = new Set<number>();
    for (const { i, arrival } of order) {
      const r = t.place(0x5eed, (seq0 + i) & 0xffff, (ts0 + i * P) >>> 0, arrival);
      if (placed.has(i)) {
        assert.is(r, Placement.DUPLICATE, `round ${round}: packet ${i} again`);
        continue;
      }
      assert.is(r, Placement.PLACE, `round ${round}: packet ${i}`);
      assert.is(t.position, start + i * P, `round ${round}: packet ${i} arrived at ${arrival}`);
      placed.add(i);
    }
    assert.is(t.reanchored, 0);
    const highest = Math.max(...placed);
    assert.is(t.lost(), highest + 1 - placed.size, `round ${round}: lost`);
  }
});

test('property: whatever the timestamps, no in-sequence packet lands more than 1 s from its arrival', () => {
  const rnd = createPrng(0xbad);
  const t = new LegTimeline();
  let arrival = 0;
  for (let i = 0; i < 20000; i++) {
    arrival += rnd() % 400;
    const r = t.place(rnd() % 200 === 0 ? rnd() : 42, i & 0xffff, rnd() % 8 === 0 ? rnd() : i * P, arrival);
    assert.is(r, Placement.PLACE);
    assert.ok(Math.abs(t.position - arrival) <= 8000, `packet ${i}: position ${t.position}, arrival ${arrival}`);
  }
  assert.ok(t.reanchored > 1000);
  assert.ok(t.ssrcChanges > 10);
});

test('a sender restarting seq and timestamp on the same SSRC (seq 10000 back) is re-anchored, not dropped for minutes (RFC 3550 A.1)', () => {
  const t = new LegTimeline();
  for (let i = 0; i < 100; i++) put(t, 40000 + i, 1000 * P + i * P, i * P);
  // Same SSRC, new sequence (10000 behind) and new timestamp base: a restart.
  let arrival = 100 * P;
  let placedNearArrival = 0;
  for (let i = 0; i < 50; i++, arrival += P) {
    const r = t.place(SSRC, 30000 + i, 0x40000000 + i * P, arrival);
    if (r === Placement.PLACE && Math.abs(t.position - arrival) <= 8000) placedNearArrival++;
  }
  // RFC 3550 A.1 accepts a restart after two in-order packets; allow a few.
  assert.ok(placedNearArrival >= 45, `only ${placedNearArrival} of 50 packets after the restart were placed (the rest dropped)`);
});

test('one packet 2.5 s late (125 back, inside MAX_LATE_SAMPLES) lands in place; it does not restart the sequence or move the anchor', () => {
  // RFC 3550 A.1 takes a far jump as a restart only when the next packet follows
  // it in sequence; one stray packet is "bad_seq". Seq 1075 is held up 2.5 s.
  const t = new LegTimeline();
  for (let i = 0; i < 200; i++) if (i !== 75) put(t, 1000 + i, i * P, i * P);
  assert.is(t.lost(), 1);
  const [r, pos] = put(t, 1075, 75 * P, 200 * P);
  assert.ok(r === Placement.PLACE ? pos === 75 * P : r === Placement.TOO_LATE, `placed at ${pos} (its place is ${75 * P}, its arrival ${200 * P})`);
  assert.is(t.reanchored, 0, 'a single late packet re-anchored the leg');
  assert.is(t.lost(), 0, 'lost() after the late packet came');
  // The stream goes on where it was.
  assert.equal(put(t, 1200, 200 * P, 200 * P + 10), [Placement.PLACE, 200 * P]);
  assert.is(t.reanchored, 0);
  assert.is(t.lost(), 0);
});

test('sequence jump ahead past 3000 with a new timestamp base (a restart) re-anchors at arrival', () => {
  const t = new LegTimeline();
  for (let i = 0; i < 10; i++) put(t, 100 + i, i * P, i * P);
  assert.equal(put(t, 9000, 0x50000000, 10 * P), [Placement.PLACE, 10 * P]);
  assert.equal(put(t, 9001, 0x50000000 + P, 11 * P), [Placement.PLACE, 11 * P]);
  assert.is(t.lost(), 0);
});

test.run();
