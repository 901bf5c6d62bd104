/**
 * Recording controls on a live session: PCI pause/resume, discard, and extra
 * streams. Each is idempotent where repeating makes sense; the registry finds
 * the session (404) and logs.
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { callrecError } from '../errors.js';
import type { Logger } from '../log.js';
import { DEFAULT_TELEPHONE_EVENT_PT } from '../rtp/index.js';
import { fileStamp, writeSessionInfo } from '../storage/index.js';
import { baseInfo } from './finalize.js';
import { bindLegReceiver, makeLeg, releaseReceivers } from './legs.js';
import type { LegDeps } from './legs.js';
import type { PauseBehavior, PauseInterval, Session, SessionLeg } from './session.js';

/**
 * From now on every datagram of the call is dropped on arrival, so paused
 * audio never reaches a ring or the disk. False when already paused.
 */
export function pauseRecording(session: Session, behavior: PauseBehavior): boolean {
  if (session.currentPause() !== null) return false;
  session.pauses.push({ behavior, startEpochMs: performance.timeOrigin + performance.now(), endEpochMs: null });
  session.setReceiving(false);
  return true;
}

/**
 * After a `skip` pause every leg's timeline moves back by the paused span (in
 * order with its packets), so the span is left out of every file and the legs
 * stay aligned. Returns the pause that ended, or null when not paused.
 */
export async function resumeRecording(session: Session, deps: LegDeps): Promise<PauseInterval | null> {
  const open = session.currentPause();
  if (open === null) return null;
  open.endEpochMs = performance.timeOrigin + performance.now();
  if (open.behavior === 'skip') {
    const samples = Math.round((open.endEpochMs - open.startEpochMs) * 8);
    session.skippedMs += samples / 8;
    for (const leg of session.allLegs()) leg.receiver.shiftOrigin(samples / 8);
    await Promise.all(session.allLegs().map((leg) => deps.pool.shiftLeg(leg.receiver.slot, samples)));
  }
  if (!session.discarded) session.setReceiving(true);
  return open;
}

/**
 * Nothing more is recorded, and the files written so far are deleted now (the
 * call itself goes on until it ends). False when already discarded.
 */
export async function discardRecording(session: Session): Promise<boolean> {
  if (session.discarded) return false;
  session.discarded = true;
  session.setReceiving(false);
  await rm(session.dir, { recursive: true, force: true });
  return true;
}

export interface ExtraStreamDeps extends LegDeps {
  log: Logger;
}

/**
 * One more stream (a SIPREC offer's third audio m-line and beyond): its own
 * port, `extra_<label>_YYYYMMDD_HHMMSS.wav` on the session's timeline,
 * averaged into the mix at hangup.
 */
export async function addExtraStream(session: Session, deps: ExtraStreamDeps, label: string, telephoneEventPt = DEFAULT_TELEPHONE_EVENT_PT): Promise<SessionLeg> {
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || 'stream';
  let name = `extra_${safe}`;
  for (let n = 2; session.allLegs().some((l) => l.name === name); n++) name = `extra_${safe}_${n}`;
  const receiver = await bindLegReceiver(deps, session.startPerfMs);
  if (session.state !== 'active') {
    await releaseReceivers([receiver], deps.ports);
    throw callrecError('CALLREC_ERR_NOT_FOUND', `session "${session.id}" ended`);
  }
  receiver.shiftOrigin(session.skippedMs);
  const leg = makeLeg(name, receiver, deps.pool, session.dir, `${name}_${fileStamp(session.startEpochMs)}.wav`);
  session.extraLegs.push(leg);
  await deps.pool.openLeg(receiver.slot, { path: leg.path, telephoneEventPt });
  if (session.currentPause() !== null || session.discarded) receiver.paused = true;
  receiver.start();
  // So that a crash from now on still finds (and recovers) the new file. A failed
  // write does not stop the stream (it records, and finalize writes the metadata
  // again), but until then a crash would lose this leg: say so.
  await writeSessionInfo(session.dir, baseInfo(session)).catch((err: unknown) => {
    deps.log.warn({ err, session_id: session.id, leg: name }, `could not write session_info.json after adding extra stream ${name}`);
  });
  return leg;
}
