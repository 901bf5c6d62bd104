/**
 * What the load generator sends, defined once for the sender and the checker.
 *
 * Audio: one content table per codec, 2^20 G.711 codes (131 s at 8 kHz) of a
 * voice-like signal (three gliding partials + a little noise), built from a
 * seeded PRNG so every run sends the same bytes. Leg `id` plays the table
 * from its own offset, so each leg's audio is recognisable: sample s of the
 * leg is code table[(offset + s) mod 2^20]. No code in the tables decodes to
 * 0, so a 0 in a recording is silence (a lost packet), never content.
 *
 * Per-leg RTP numbers and injected loss/reordering come from hash32(), which
 * rtp-sender.c implements bit for bit.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import alawmulaw from 'alawmulaw';
import { mulberry32 } from '../prng.js';

export const TABLE_BITS = 20;
export const TABLE_LEN = 1 << TABLE_BITS;
export const TABLE_MASK = TABLE_LEN - 1;
export const SAMPLES_PER_PACKET = 160;
export const PACKET_MS = 20;
export const SAMPLE_RATE = 8000;

export type Codec = 'pcmu' | 'pcma';
export const PAYLOAD_TYPE: Record<Codec, number> = { pcmu: 0, pcma: 8 };

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Same as hash32() in rtp-sender.c. */
export function hash32(a: number, b: number, c: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ fmix32(Math.imul(b, 0x85ebca77) ^ fmix32((Math.imul(c, 0xc2b2ae3d) + 0x27d4eb2f) | 0)));
}

/** A probability as the sender's 32-bit threshold. */
export function threshold(probability: number): number {
  return Math.min(0xffffffff, Math.max(0, Math.round(probability * 0x100000000)));
}

/** The RTP identity and content offset of leg `id` (deterministic). */
export interface LegPlan {
  id: number;
  ssrc: number;
  seq0: number;
  ts0: number;
  contentOffset: number;
}

export function legPlan(id: number): LegPlan {
  return {
    id,
    ssrc: hash32(id, 0, 4),
    seq0: hash32(id, 0, 5) & 0xffff,
    ts0: hash32(id, 0, 6),
    contentOffset: hash32(id, 0, 3) & TABLE_MASK,
  };
}

/** Packets the sender skips on purpose (`--loss`). */
export function isDropped(id: number, p: number, lossThr: number): boolean {
  return p > 0 && lossThr > 0 && hash32(id, p, 1) < lossThr;
}

/** Packet p (even) is sent after p + 1 (`--reorder`). */
export function isSwapped(id: number, p: number, packets: number, lossThr: number, reorderThr: number): boolean {
  return (
    reorderThr > 0 &&
    p > 0 &&
    (p & 1) === 0 &&
    p + 1 < packets &&
    !isDropped(id, p, lossThr) &&
    !isDropped(id, p + 1, lossThr) &&
    hash32(id, p, 2) < reorderThr
  );
}


export interface ContentTables {
  /** G.711 codes by codec. */
  codes: Record<Codec, Uint8Array>;
  /** The same, decoded to PCM16 (what a recording must contain). */
  pcm: Record<Codec, Int16Array>;
}

function decodeTable(codec: Codec): Int16Array {
  const decode = codec === 'pcmu' ? alawmulaw.mulaw.decodeSample : alawmulaw.alaw.decodeSample;
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = decode(c);
  return t;
}

/** Build both tables (about 100 ms). */
export function buildContentTables(): ContentTables {
  const random = mulberry32(0xca11ec);
  const signal = new Float64Array(TABLE_LEN);
  const phases = [0, 0, 0];
  for (let s = 0; s < TABLE_LEN; s++) {
    const t = s / SAMPLE_RATE;
    // Partials gliding like a voice's formants; periods chosen not to line up.
    const f = [220 + 90 * Math.sin(t * 0.93), 710 + 240 * Math.sin(t * 0.41 + 1), 1650 + 500 * Math.sin(t * 0.27 + 2)];
    let v = 0;
    for (let k = 0; k < 3; k++) {
      phases[k] += (2 * Math.PI * f[k]) / SAMPLE_RATE;
      v += Math.sin(phases[k]) * [5200, 2600, 1100][k];
    }
    const envelope = 0.55 + 0.45 * Math.sin(t * 2.1);
    signal[s] = v * envelope + (random() - 0.5) * 600;
  }
  const codes = {} as Record<Codec, Uint8Array>;
  const pcm = {} as Record<Codec, Int16Array>;
  for (const codec of ['pcmu', 'pcma'] as const) {
    const encode = codec === 'pcmu' ? alawmulaw.mulaw.encodeSample : alawmulaw.alaw.encodeSample;
    const decode = decodeTable(codec);
    const c = new Uint8Array(TABLE_LEN);
    const p = new Int16Array(TABLE_LEN);
    for (let s = 0; s < TABLE_LEN; s++) {
      let code = encode(Math.max(-32768, Math.min(32767, Math.round(signal[s])))) & 0xff;
      if (decode[code] === 0) code ^= 1; // µ-law 0xFF/0x7F are 0: use the next level
      if (decode[code] === 0) throw new Error(`content table: code ${code} decodes to 0`);
      c[s] = code;
      p[s] = decode[code];
    }
    codes[codec] = c;
    pcm[codec] = p;
  }
  return { codes, pcm };
}

/** Write the code tables where rtp-sender reads them; returns [pcmu, pcma] paths. */
export function writeContentTables(tables: ContentTables, dir: string): [string, string] {
  const pcmu = path.join(dir, 'content-pcmu.bin');
  const pcma = path.join(dir, 'content-pcma.bin');
  writeFileSync(pcmu, tables.codes.pcmu);
  writeFileSync(pcma, tables.codes.pcma);
  return [pcmu, pcma];
}
