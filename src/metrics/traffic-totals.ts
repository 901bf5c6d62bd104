/**
 * RTP traffic counted over the life of the process, per leg: the finished
 * calls' final numbers (added once, when each call is finalized) plus the live
 * calls' counters (read at scrape time). A call moves from "live" to
 * "finished" in the same tick it leaves the registry, so a scrape never counts
 * it twice or not at all.
 */
import { LegCounter } from '../ring/index.js';
import type { Session } from '../session/index.js';
import type { LegStats, SessionInfo } from '../storage/index.js';
import { WAV_HEADER_BYTES } from '../storage/index.js';

export interface LegTotals {
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
  return { packets: 0, bytes: 0, recorded: 0, lost: 0, dropped: new Map() };
}

function addLeg(into: Map<string, LegTotals>, leg: string, stats: LegStats): void {
  let t = into.get(leg);
  if (t === undefined) into.set(leg, (t = emptyLeg()));
  t.packets += stats.packets ?? 0;
  t.bytes += stats.bytes ?? 0;
  t.recorded += stats.recorded ?? 0;
  t.lost += stats.lost ?? 0;
  for (const [reason, n] of Object.entries(stats.dropped ?? {})) {
    if (typeof n === 'number') t.dropped.set(reason, (t.dropped.get(reason) ?? 0) + n);
  }
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

  /** A call was finalized: keep its final numbers. */
  addFinished(info: SessionInfo, session: Session): void {
    this.#finishedCalls++;
    const stats = info.stats ?? Object.fromEntries(Object.keys(session.legs).map((leg) => [leg, session.legStats(leg as keyof Session['legs'])]));
    for (const [leg, legStats] of Object.entries(stats)) addLeg(this.#finished, leg, legStats);
    for (const bytes of Object.values(info.file_bytes ?? {})) if (typeof bytes === 'number') this.#finishedFileBytes += bytes;
  }

  /** Finished totals plus the live calls' counters. */
  snapshot(live: Iterable<Session>): TrafficSnapshot {
    const legs = cloneLegs(this.#finished);
    let fileBytes = this.#finishedFileBytes;
    for (const session of live) {
      for (const leg of Object.keys(session.legs) as (keyof Session['legs'])[]) {
        addLeg(legs, leg, session.legStats(leg));
        fileBytes += WAV_HEADER_BYTES + session.legs[leg].counters[LegCounter.SAMPLES] * 2;
      }
    }
    return { legs, fileBytes };
  }
}
