/**
 * Decodes every recording of a run and compares it with what was sent.
 *
 * A leg's file must be a canonical 8 kHz 16-bit mono WAV whose samples are,
 * from some offset on (the first packet's arrival since start_time), the
 * leg's content packet by packet: each sent packet's 160 samples either equal
 * exactly (recorded) or are all 0 (lost: silence of the right length). Any
 * other sample is a mismatch. Packets the sender skipped on purpose (--loss)
 * must be silence. Nothing may follow the last packet. The mixed file must be
 * floor((incoming + outgoing) / 2) sample by sample, as long as the longer leg.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ContentTables, Codec } from './content.js';
import { SAMPLES_PER_PACKET, TABLE_MASK, isDropped } from './content.js';

/** How far into a leg the first received packet is looked for. */
const FIRST_PACKET_SEARCH = 200;

export interface SentLeg {
  id: number;
  codec: Codec;
  contentOffset: number;
  /** Packets whose due time came (sent or skipped on purpose). */
  due: number;
  lossThr: number;
  /** Epoch ms the first packet left the sender (NaN: unknown). */
  firstSendEpochMs: number;
}

export interface LegCheck {
  ok: boolean;
  problems: string[];
  sent: number;
  injectedDropped: number;
  recorded: number;
  lost: number;
  mismatched: number;
  /** First packet placed at (ms since start_time) minus its send time since start_time. */
  placementErrorMs: number | null;
  samples: number;
}

export interface CallCheck {
  sessionId: string;
  ok: boolean;
  legs: { incoming: LegCheck; outgoing: LegCheck };
  mixed: { ok: boolean; problem: string | null };
}

function parseWav(buf: Buffer, problems: string[]): Int16Array | null {
  if (buf.length < 44) {
    problems.push(`file of ${buf.length} bytes`);
    return null;
  }
  const bad: string[] = [];
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') bad.push('not RIFF/WAVE');
  if (buf.readUInt32LE(4) !== buf.length - 8) bad.push(`RIFF size ${buf.readUInt32LE(4)} != ${buf.length - 8}`);
  if (buf.toString('latin1', 12, 16) !== 'fmt ' || buf.readUInt16LE(20) !== 1) bad.push('not PCM');
  if (buf.readUInt16LE(22) !== 1 || buf.readUInt32LE(24) !== 8000 || buf.readUInt16LE(34) !== 16) bad.push('not 8 kHz 16-bit mono');
  if (buf.toString('latin1', 36, 40) !== 'data' || buf.readUInt32LE(40) !== buf.length - 44) bad.push(`data size ${buf.readUInt32LE(40)} != ${buf.length - 44}`);
  if ((buf.length - 44) % 2 !== 0) bad.push('odd data size');
  problems.push(...bad);
  // Copy into an aligned array (Buffer pool offsets need not be even).
  const samples = new Int16Array((buf.length - 44) >> 1);
  new Uint8Array(samples.buffer).set(buf.subarray(44, 44 + samples.length * 2));
  return samples;
}

function checkLeg(samples: Int16Array | null, leg: SentLeg, pcm: Int16Array, startEpochMs: number, problems: string[]): LegCheck {
  const result: LegCheck = { ok: false, problems, sent: 0, injectedDropped: 0, recorded: 0, lost: 0, mismatched: 0, placementErrorMs: null, samples: samples?.length ?? 0 };
  for (let p = 0; p < leg.due; p++) {
    if (isDropped(leg.id, p, leg.lossThr)) result.injectedDropped++;
    else result.sent++;
  }
  if (samples === null) {
    result.lost = result.sent;
    return result;
  }
  let first = 0;
  while (first < samples.length && samples[first] === 0) first++;
  if (first === samples.length) {
    result.lost = result.sent;
    if (result.sent > 0) problems.push('no audio at all');
    result.ok = problems.length === 0;
    return result;
  }
  // Which packet is the first one in the file?
  const matches = (p: number, at: number): boolean => {
    if (at < 0 || at + SAMPLES_PER_PACKET > samples.length) return false;
    const base = leg.contentOffset + p * SAMPLES_PER_PACKET;
    for (let j = 0; j < SAMPLES_PER_PACKET; j++) if (samples[at + j] !== pcm[(base + j) & TABLE_MASK]) return false;
    return true;
  };
  let k0 = -1;
  for (let p = 0; p < Math.min(leg.due, FIRST_PACKET_SEARCH); p++) {
    if (!isDropped(leg.id, p, leg.lossThr) && matches(p, first)) {
      k0 = p;
      break;
    }
  }
  if (k0 < 0) {
    problems.push(`first audio (sample ${first}) is none of the leg's first ${FIRST_PACKET_SEARCH} packets`);
    result.mismatched = result.sent;
    return result;
  }
  const offset = first - k0 * SAMPLES_PER_PACKET;
  if (Number.isFinite(leg.firstSendEpochMs)) {
    const sentAtMs = leg.firstSendEpochMs - startEpochMs + k0 * 20;
    result.placementErrorMs = Math.round((first / 8 - sentAtMs) * 100) / 100;
  }
  for (let p = 0; p < leg.due; p++) {
    const at = offset + p * SAMPLES_PER_PACKET;
    const dropped = isDropped(leg.id, p, leg.lossThr);
    if (at + SAMPLES_PER_PACKET > samples.length) {
      // Past the end: lost (or skipped), unless only partly past.
      if (at < samples.length) {
        let nonzero = false;
        for (let i = at; i < samples.length; i++) if (samples[i] !== 0) nonzero = true;
        if (nonzero) {
          result.mismatched++;
          continue;
        }
      }
      if (!dropped) result.lost++;
      continue;
    }
    let zero = true;
    for (let j = 0; j < SAMPLES_PER_PACKET; j++) {
      if (samples[at + j] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      if (!dropped) result.lost++;
    } else if (dropped) {
      result.mismatched++;
    } else if (matches(p, at)) {
      result.recorded++;
    } else {
      result.mismatched++;
    }
  }
  const end = offset + leg.due * SAMPLES_PER_PACKET;
  for (let i = Math.max(0, end); i < samples.length; i++) {
    if (samples[i] !== 0) {
      problems.push(`audio after the last packet (sample ${i})`);
      break;
    }
  }
  if (result.mismatched > 0) problems.push(`${result.mismatched} packets differ from what was sent`);
  result.ok = problems.length === 0;
  return result;
}

function checkMix(mixed: Int16Array | null, a: Int16Array | null, b: Int16Array | null, problems: string[]): string | null {
  if (mixed === null || a === null || b === null) return problems[0] ?? 'missing';
  const length = Math.max(a.length, b.length);
  if (mixed.length !== length) return `mixed has ${mixed.length} samples, legs ${a.length}/${b.length}`;
  for (let n = 0; n < length; n++) {
    const x = n < a.length ? a[n] : 0;
    const y = n < b.length ? b[n] : 0;
    if (mixed[n] !== Math.floor((x + y) / 2)) return `mixed sample ${n} is ${mixed[n]}, expected ${Math.floor((x + y) / 2)}`;
  }
  return problems[0] ?? null;
}

export interface RecordedCall {
  sessionId: string;
  dir: string;
  /** From session_info.json. */
  files: Record<string, string>;
  startTime: string;
  legs: { incoming: SentLeg; outgoing: SentLeg };
}

/** start_time ("…T14:30:22.123456Z") to epoch ms with the microseconds. */
export function isoToEpochMs(iso: string): number {
  const m = /\.(\d+)Z$/.exec(iso);
  const whole = Date.parse(iso.replace(/\.\d+Z$/, 'Z'));
  return m ? whole + Number(`0.${m[1]}`) * 1000 : whole;
}

function readWav(file: string | undefined, dir: string, problems: string[]): Int16Array | null {
  if (file === undefined) {
    problems.push('file missing from session_info');
    return null;
  }
  try {
    return parseWav(readFileSync(path.join(dir, file)), problems);
  } catch (err) {
    problems.push(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return null;
  }
}

export function checkCall(call: RecordedCall, tables: ContentTables): CallCheck {
  const startEpochMs = isoToEpochMs(call.startTime);
  const inProblems: string[] = [];
  const outProblems: string[] = [];
  const a = readWav(call.files.incoming_audio, call.dir, inProblems);
  const b = readWav(call.files.outgoing_audio, call.dir, outProblems);
  const incoming = checkLeg(a, call.legs.incoming, tables.pcm[call.legs.incoming.codec], startEpochMs, inProblems);
  const outgoing = checkLeg(b, call.legs.outgoing, tables.pcm[call.legs.outgoing.codec], startEpochMs, outProblems);
  let mixed: { ok: boolean; problem: string | null };
  const bothHaveAudio = incoming.recorded > 0 && outgoing.recorded > 0;
  if (call.files.mixed_audio === undefined) {
    mixed = { ok: !bothHaveAudio, problem: bothHaveAudio ? 'no mixed file although both legs have audio' : null };
  } else {
    const mixProblems: string[] = [];
    const m = readWav(call.files.mixed_audio, call.dir, mixProblems);
    const problem = checkMix(m, a, b, mixProblems);
    mixed = { ok: problem === null, problem };
  }
  return { sessionId: call.sessionId, ok: incoming.ok && outgoing.ok && mixed.ok, legs: { incoming, outgoing }, mixed };
}
