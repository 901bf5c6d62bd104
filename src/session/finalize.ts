/**
 * Finalizing a session, in this order (each step needs the one before):
 *   1. stop receiving (close the sockets);
 *   2. CLOSE each leg behind its queued packets: the worker writes them all,
 *      fixes the header and closes the file;
 *   3. mix both legs in a worker (when both have audio);
 *   4. write session_info.json atomically with end_time;
 *   5. give the ports back and list the recording.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import { audioFileName, extendWav, isoMicros, writeSessionInfo } from '../storage/index.js';
import type { LegStats, SessionInfo } from '../storage/index.js';
import { LEG_NAMES } from './session.js';
import type { Session } from './session.js';

export interface FinalizeDeps {
  pool: RecorderPool;
  log: Logger;
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
    files: {
      incoming_audio: session.legs.incoming.fileName,
      outgoing_audio: session.legs.outgoing.fileName,
    },
  };
}

export async function finalizeSession(session: Session, deps: FinalizeDeps): Promise<SessionInfo> {
  const log = deps.log.child({ session_id: session.id });
  const endEpochMs = performance.timeOrigin + performance.now();
  log.info(`🛑 Stopping recording for session ${session.id}`);

  // Datagrams the kernel already holds for the legs count as received: give the
  // event loop a moment to read them before the sockets close.
  await new Promise((resolve) => setTimeout(resolve, RECEIVE_GRACE_MS));
  await Promise.all(LEG_NAMES.map((name) => session.legs[name].receiver.close()));
  // Every leg is padded to the end of the call: all files share one timeline and length.
  const endSamples = Math.round((endEpochMs - session.startEpochMs) * SAMPLES_PER_MS);
  const reports = await Promise.all(LEG_NAMES.map((name) => deps.pool.closeLeg(session.legs[name].receiver.slot, endSamples)));
  reports.forEach((report, i) => {
    if (report.error !== null) session.errors.push(`${LEG_NAMES[i]}: ${report.error} (${report.writeErrors} failed writes)`);
  });
  // A packet's audio may end a little after the hangup: pad the shorter leg so both end together.
  const longest = Math.max(...reports.map((r) => r.samples));
  for (let i = 0; i < reports.length; i++) {
    if (reports[i].samples < longest && reports[i].error === null) {
      try {
        await extendWav(session.legs[LEG_NAMES[i]].path, longest * 2);
      } catch (err) {
        session.errors.push(`${LEG_NAMES[i]}: could not pad to the call's length (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
      }
    }
  }

  const info = baseInfo(session);
  const paths: Record<string, string> = {
    incoming_audio: session.legs.incoming.path,
    outgoing_audio: session.legs.outgoing.path,
  };
  if (reports[0].hasAudio && reports[1].hasAudio) {
    log.info('🎵 Creating mixed audio recording...');
    const mixedName = audioFileName('mixed', session.startEpochMs);
    const mixedPath = path.join(session.dir, mixedName);
    try {
      await deps.pool.mix([paths.incoming_audio, paths.outgoing_audio], mixedPath);
      info.files.mixed_audio = mixedName;
      paths.mixed_audio = mixedPath;
    } catch (err) {
      log.error({ err }, 'mixing failed');
      session.errors.push(`mixed: ${(err as Error).message}`);
    }
  }

  const fileBytes: Record<string, number> = {};
  for (const [key, file] of Object.entries(paths)) fileBytes[key] = await fileSize(file);
  const stats: Record<string, LegStats> = {};
  for (const name of LEG_NAMES) stats[name] = session.legStats(name);

  info.end_time = isoMicros(endEpochMs);
  info.duration_seconds = Math.round((endEpochMs - session.startEpochMs) / 10) / 100;
  info.status = 'completed';
  info.file_bytes = fileBytes;
  info.stats = stats;
  if (session.errors.length > 0) info.errors = [...session.errors];
  try {
    await writeSessionInfo(session.dir, info);
  } catch (err) {
    // E.g. a full disk. The files are closed and playable; the session_info.json
    // written at the start (no end_time) stays, so the next start recovers it.
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    log.error({ code }, `could not write session_info.json: ${code}`);
    info.errors = [...(info.errors ?? []), `session_info.json: ${code}`];
  }

  const labels: Record<string, string> = { incoming_audio: 'Incoming', outgoing_audio: 'Outgoing', mixed_audio: 'Mixed' };
  for (const [key, file] of Object.entries(paths)) {
    const mb = (fileBytes[key] / BYTES_PER_MB).toFixed(2);
    log.info(`📁 ${labels[key]} audio: ${file} (${mb} MB)`);
  }
  return info;
}

