/**
 * Finalizing a session, in this order (each step needs the one before):
 *   1. stop receiving (close the sockets, after reading what is queued);
 *   2. CLOSE each leg behind its queued packets: the worker writes them all,
 *      pads the leg to the end of the call, fixes the header, closes the file;
 *   3. a discarded call (on request, or shorter than --min-duration) is
 *      deleted here, and nothing more is written;
 *   4. mixed (when both legs have audio) and stereo (when asked) files in a
 *      worker, one streaming pass;
 *   5. session_info.json atomically with end_time.
 * The registry then gives the ports back and lists the recording.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import type { LegCloseReport } from '../record/index.js';
import { audioFileName, isoMicros, releaseMetadataRoom, resizeWav, syncFile, writeSessionInfo } from '../storage/index.js';
import type { LegStats, SessionInfo } from '../storage/index.js';
import type { Session } from './session.js';

export interface FinalizeDeps {
  pool: RecorderPool;
  log: Logger;
  /** Calls shorter than this (seconds) are discarded; 0 keeps all. */
  minDurationSeconds: number;
}

const BYTES_PER_MB = 1048576;
const SAMPLES_PER_MS = 8;
/** How long hangup keeps reading datagrams already on their way (loopback or LAN). */
const RECEIVE_GRACE_MS = 40;

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

export function baseInfo(session: Session): SessionInfo {
  return {
    ...session.extraInfo,
    session_id: session.id,
    caller_id: session.callerId,
    called_number: session.calledNumber,
    start_time: session.startIso,
    status: 'recording',
    source: session.source,
    files: Object.fromEntries(session.allLegs().map((leg) => [leg.fileKey, leg.fileName])),
  };
}

function pausesInfo(session: Session): Record<string, unknown>[] {
  return session.pauses.map((p) => ({
    start: isoMicros(p.startEpochMs),
    end: isoMicros(p.endEpochMs ?? p.startEpochMs),
    behavior: p.behavior,
  }));
}

/** Stop receiving and close every leg's file; returns the worker's reports. */
async function closeLegs(session: Session, deps: FinalizeDeps, endEpochMs: number): Promise<LegCloseReport[]> {
  // Datagrams the kernel already holds for the legs count as received: give the
  // event loop a moment to read them before the sockets close.
  await new Promise((resolve) => setTimeout(resolve, RECEIVE_GRACE_MS));
  const legs = session.allLegs();
  await Promise.all(legs.map((leg) => leg.receiver.close()));
  // Every leg is padded to the end of the call (less skipped pauses): one timeline, one length.
  const endSamples = Math.round((endEpochMs - session.startEpochMs - session.skippedMs) * SAMPLES_PER_MS);
  const reports = await Promise.all(legs.map((leg) => deps.pool.closeLeg(leg.receiver.slot, endSamples)));
  reports.forEach((report, i) => {
    if (report.error !== null) session.errors.push(`${legs[i].name}: ${report.error} (${report.writeErrors} failed writes)`);
  });
  // A packet's audio may end a little after the hangup: pad the shorter leg so both end together.
  const longest = Math.max(...reports.map((r) => r.samples));
  for (let i = 0; i < reports.length; i++) {
    if (reports[i].error !== null || session.discarded) continue;
    try {
      if (reports[i].samples < longest) await resizeWav(legs[i].path, longest * 2);
      else await syncFile(legs[i].path);
    } catch (err) {
      session.errors.push(`${legs[i].name}: could not finish the file (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
    }
  }
  return reports;
}

/**
 * A leg that recorded nothing while another source kept sending to its port
 * was most likely latched onto the wrong peer (or never learnt the right one):
 * say so, in the log and in `errors`, instead of a silent "completed".
 */
function warnUnheardSources(session: Session, reports: readonly LegCloseReport[], log: Logger): void {
  session.allLegs().forEach((leg, i) => {
    const others = leg.receiver.droppedWrongSource;
    if (reports[i].hasAudio || others === 0) return;
    const message = `${leg.name}: no audio recorded, while ${others} packets from other sources were dropped (wrong_source)`;
    log.warn({ leg: leg.name, wrong_source: others }, message);
    session.errors.push(message);
  });
}

export async function finalizeSession(session: Session, deps: FinalizeDeps, endReason: string): Promise<SessionInfo> {
  const log = deps.log.child({ session_id: session.id });
  const endEpochMs = performance.timeOrigin + performance.now();
  log.info(`🛑 Stopping recording for session ${session.id}`);
  const open = session.currentPause();
  if (open !== null) {
    open.endEpochMs = endEpochMs;
    if (open.behavior === 'skip') session.skippedMs += endEpochMs - open.startEpochMs;
  }
  const reports = await closeLegs(session, deps, endEpochMs);
  await session.metadataWrite;
  warnUnheardSources(session, reports, log);

  const info = baseInfo(session);
  info.end_time = isoMicros(endEpochMs);
  info.duration_seconds = Math.round((endEpochMs - session.startEpochMs) / 10) / 100;
  info.end_reason = endReason;
  if (session.pauses.length > 0) info.pauses = pausesInfo(session);

  const tooShort = deps.minDurationSeconds > 0 && info.duration_seconds < deps.minDurationSeconds;
  if (session.discarded || tooShort) {
    await rm(session.dir, { recursive: true, force: true });
    const reason = session.discarded ? 'requested' : 'min_duration';
    log.info({ reason, duration_seconds: info.duration_seconds }, `🗑️ Recording discarded for session ${session.id} (${reason})`);
    return { ...info, status: 'discarded', discard_reason: reason, files: {} };
  }

  const legs = session.allLegs();
  const paths: Record<string, string> = Object.fromEntries(legs.map((leg) => [leg.fileKey, leg.path]));
  // The mix averages every leg that has audio (SPEC: written when both legs have audio).
  const withAudio = legs.filter((_leg, i) => reports[i].hasAudio);
  const bothHaveAudio = reports[0].hasAudio && reports[1].hasAudio;
  if (bothHaveAudio || session.stereo) {
    if (bothHaveAudio) log.info('🎵 Creating mixed audio recording...');
    const mixed = bothHaveAudio ? audioFileName('mixed', session.startEpochMs) : null;
    const stereo = session.stereo ? audioFileName('stereo', session.startEpochMs) : null;
    const mixedPath = mixed === null ? null : path.join(session.dir, mixed);
    const stereoPath = stereo === null ? null : path.join(session.dir, stereo);
    try {
      if (withAudio.length === 2 || mixedPath === null) {
        // The two legs alone: mixed and stereo in one pass.
        await deps.pool.render({ inputs: [paths.incoming_audio, paths.outgoing_audio], mixedPath, stereoPath });
      } else {
        await deps.pool.render({ inputs: withAudio.map((l) => l.path), mixedPath, stereoPath: null });
        if (stereoPath !== null) await deps.pool.render({ inputs: [paths.incoming_audio, paths.outgoing_audio], mixedPath: null, stereoPath });
      }
      if (mixed !== null) info.files.mixed_audio = mixed;
      if (stereo !== null) info.files.stereo_audio = stereo;
    } catch (err) {
      log.error({ err }, 'mixing failed');
      session.errors.push(`mixed: ${(err as Error).message}`);
    }
    for (const key of ['mixed_audio', 'stereo_audio']) if (info.files[key] !== undefined) paths[key] = path.join(session.dir, info.files[key]);
  }

  const fileBytes: Record<string, number> = {};
  for (const [key, file] of Object.entries(paths)) fileBytes[key] = await fileSize(file);
  const stats: Record<string, LegStats> = {};
  for (const leg of legs) stats[leg.name] = session.legStats(leg.name);
  info.status = 'completed';
  info.file_bytes = fileBytes;
  info.stats = stats;
  if (session.errors.length > 0) info.errors = [...session.errors];
  try {
    await releaseMetadataRoom(session.dir);
    await writeSessionInfo(session.dir, info);
  } catch (err) {
    // E.g. a full disk. The files are closed and playable; the session_info.json
    // written at the start (no end_time) stays, so the next start recovers it.
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    log.error({ code }, `could not write session_info.json: ${code}`);
    info.errors = [...(info.errors ?? []), `session_info.json: ${code}`];
  }

  for (const [key, file] of Object.entries(paths)) {
    const mb = (fileBytes[key] / BYTES_PER_MB).toFixed(2);
    const label = key.slice(0, 1).toUpperCase() + key.slice(1, -'_audio'.length);
    log.info(`📁 ${label} audio: ${file} (${mb} MB)`);
  }
  return info;
}
