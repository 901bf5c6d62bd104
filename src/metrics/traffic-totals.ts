/**
 * RTP traffic counted over the life of the process, per leg: the finished
 * calls' final numbers (added once, when each call is finalized) plus the live
 * calls' counters (read at scrape time). A call moves from "live" to
 * "finished" in the same tick it leaves the registry, so a scrape never counts
 * it twice or not at all.
 */
import type { RtpReceiver } from '../ingest/index.js';
import { LegCounter } from '../ring/index.js';
import type { LegName, Session } from '../session/index.js';
import type { LegStats, SessionInfo } from '../storage/index.js';
import { WAV_HEADER_BYTES } from '../storage/index.js';

export interface LegTotals {
  /** Every datagram that reached the leg's socket, dropped or not. */
  datagrams: number;
  /** Packets handed to the recorder (not dropped at the socket). */
  packets: number;
  bytes: number;
  recorded: number;
  lost: number;
  dropped: Map<string, number>;
}

export interface TrafficSnapshot {
  legs: Map<string, LegTotals>;
  /** Bytes of audio files written (live legs: up to the last audio written). */
  fileBytes: number;
}

function emptyLeg(): LegTotals {
  return { datagrams: 0, packets: 0, bytes: 0, recorded: 0, lost: 0, dropped: new Map() };
}

/**
 * The receiver's own counters: what it queued plus what it dropped before any
 * worker saw it (the kernel's drops never reached the receiver: not counted).
 */
function datagramsOf(r: RtpReceiver): number {
  return r.packets + r.droppedRingFull + r.droppedWrongSource + r.droppedMalformed + r.droppedPaused + r.droppedRtcp;
}

function addLeg(into: Map<string, LegTotals>, leg: string, stats: LegStats, datagrams: number): void {
  let t = into.get(leg);
  if (t === undefined) into.set(leg, (t = emptyLeg()));
  t.datagrams += datagrams;
  t.packets += stats.packets ?? 0;
  t.bytes += stats.bytes ?? 0;
  t.recorded += stats.recorded ?? 0;
  t.lost += stats.lost ?? 0;
  for (const [reason, n] of Object.entries(stats.dropped ?? {})) {
    if (typeof n === 'number') t.dropped.set(reason, (t.dropped.get(reason) ?? 0) + n);
  }
}

function legNames(session: Session): LegName[] {
  return Object.keys(session.legs) as LegName[];
}

function cloneLegs(legs: Map<string, LegTotals>): Map<string, LegTotals> {
  const out = new Map<string, LegTotals>();
  for (const [leg, t] of legs) out.set(leg, { ...t, dropped: new Map(t.dropped) });
  return out;
}

export class TrafficTotals {
  readonly #finished = new Map<string, LegTotals>();
  #finishedFileBytes = 0;
  #finishedCalls = 0;

  get finishedCalls(): number {
    return this.#finishedCalls;
  }

  /**
   * A call was finalized: keep its final numbers (its metadata's stats, and
   * the datagram counts of its receivers, which outlive their sockets).
   */
  addFinished(info: SessionInfo, session: Session): void {
    this.#finishedCalls++;
    for (const leg of legNames(session)) {
      const stats = info.stats?.[leg] ?? session.legStats(leg);
      addLeg(this.#finished, leg, stats, datagramsOf(session.legs[leg].receiver));
    }
    for (const bytes of Object.values(info.file_bytes ?? {})) if (typeof bytes === 'number') this.#finishedFileBytes += bytes;
  }

  /** Finished totals plus the live calls' counters. */
  snapshot(live: Iterable<Session>): TrafficSnapshot {
    const legs = cloneLegs(this.#finished);
    let fileBytes = this.#finishedFileBytes;
    for (const session of live) {
      for (const leg of legNames(session)) {
        addLeg(legs, leg, session.legStats(leg), datagramsOf(session.legs[leg].receiver));
        fileBytes += WAV_HEADER_BYTES + session.legs[leg].counters[LegCounter.SAMPLES] * 2;
      }
    }
    return { legs, fileBytes };
  }
}
