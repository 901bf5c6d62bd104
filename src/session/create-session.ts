/**
 * Starting a recording: the directory (claims the id on disk), a bound port
 * per leg, the first session_info.json (so a crash can be recovered), then
 * OPEN for each leg queued before its socket starts handing datagrams over.
 * Anything that fails undoes what was done.
 */
import { mkdir, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { callrecError } from '../errors.js';
import type { RtpReceiver } from '../ingest/index.js';
import { DEFAULT_TELEPHONE_EVENT_PT } from '../rtp/index.js';
import { audioFileName, isoMicros, sessionDir, reserveMetadataRoom, writeSessionInfo } from '../storage/index.js';
import { baseInfo } from './finalize.js';
import { bindLegReceiver, makeLeg, releaseReceivers } from './legs.js';
import type { LegDeps } from './legs.js';
import { LEG_NAMES, Session } from './session.js';
import type { LegName, SessionLeg } from './session.js';

export interface CreateSessionRequest {
  sessionId?: string;
  callerId: string;
  calledNumber: string;
  source: 'http' | 'sip';
  /** telephone-event payload type per leg (negotiated by SIP); default 101. */
  telephoneEventPt?: number;
  /** More metadata for session_info.json (e.g. `siprec`, `sip_call_id`). */
  extraInfo?: Record<string, unknown>;
  /** Also write the stereo file at hangup (default: --stereo). */
  stereo?: boolean;
}

const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES']);

/** `id` is valid and free (the registry checked); EEXIST on disk is still a 409. */
export async function createSession(deps: LegDeps, id: string, req: CreateSessionRequest): Promise<Session> {
  const { config, pool, ports } = deps;
  const dir = sessionDir(config.sessionsDir, id);
  const receivers: RtpReceiver[] = [];
  let dirMade = false;
  try {
    try {
      await mkdir(dir);
      dirMade = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw callrecError('CALLREC_ERR_SESSION_EXISTS', `session_id "${id}" is already recorded`);
      }
      throw err;
    }
    const startPerfMs = performance.now();
    const startEpochMs = performance.timeOrigin + startPerfMs;
    for (let i = 0; i < LEG_NAMES.length; i++) receivers.push(await bindLegReceiver(deps, startPerfMs));
    const legs = {} as Record<LegName, SessionLeg>;
    LEG_NAMES.forEach((name, i) => {
      legs[name] = makeLeg(name, receivers[i], pool, dir, audioFileName(name, startEpochMs));
    });
    const session = new Session({
      id,
      callerId: req.callerId,
      calledNumber: req.calledNumber,
      source: req.source,
      startEpochMs,
      startIso: isoMicros(startEpochMs),
      startPerfMs,
      dir,
      legs,
      announceHost: config.publicHost,
      extraInfo: req.extraInfo,
      stereo: req.stereo ?? config.stereo,
    });
    await writeSessionInfo(dir, baseInfo(session));
    await reserveMetadataRoom(dir);
    const telephoneEventPt = req.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
    // OPEN goes into each ring before the first packet can: receiving starts after.
    await Promise.all(LEG_NAMES.map((name) => pool.openLeg(legs[name].receiver.slot, { path: legs[name].path, telephoneEventPt })));
    for (const receiver of receivers) receiver.start();
    return session;
  } catch (err) {
    await releaseReceivers(receivers, ports);
    if (dirMade) await rm(dir, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && STORAGE_ERRORS.has(code)) {
      throw callrecError('CALLREC_ERR_STORAGE', `cannot write to the sessions directory (${code})`, err);
    }
    throw err;
  }
}
