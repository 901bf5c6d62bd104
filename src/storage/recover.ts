/**
 * Finishing what a crash interrupted (SPEC §4): a session directory whose
 * session_info.json has no end_time. Each leg's WAV header is rewritten from
 * the file's size, the mix is written, and the metadata gets
 * status "recovered" and an end_time at the last audio on the timeline.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import { isSafeAudioFileName } from './file-names.js';
import { releaseMetadataRoom } from './metadata-reserve.js';
import { audioFileName, isoMicros, sessionDir } from './session-files.js';
import { writeSessionInfo } from './session-info.js';
import type { SessionInfo } from './session-info.js';
import { WAV_HEADER_BYTES } from './wav-header.js';
import { resizeWav } from './wav-resize.js';

const SAMPLE_RATE = 8000;

export interface RecoverDeps {
  pool: RecorderPool;
  log: Logger;
  sessionsDir: string;
}

/** Rewrite a WAV header to match the file's length (an odd last byte cut); returns the data bytes (0 if missing). */
export async function repairWavHeader(file: string): Promise<{ dataBytes: number; fileBytes: number }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { dataBytes: 0, fileBytes: 0 };
  }
  const dataBytes = Math.max(0, size - WAV_HEADER_BYTES) & ~1;
  await resizeWav(file, dataBytes);
  return { dataBytes, fileBytes: WAV_HEADER_BYTES + dataBytes };
}

export async function recoverSession(info: SessionInfo, deps: RecoverDeps): Promise<SessionInfo> {
  const dir = sessionDir(deps.sessionsDir, info.session_id);
  const log = deps.log.child({ session_id: info.session_id });
  const fileBytes: Record<string, number> = {};
  const files = { ...info.files };
  let longest = 0;
  const legPaths: string[] = [];
  // Every leg's file: incoming, outgoing and extra streams (not a mixed or stereo file of an earlier try).
  for (const key of Object.keys(files)) {
    if (!key.endsWith('_audio') || key === 'mixed_audio' || key === 'stereo_audio') continue;
    // A file name, never a path: metadata on disk must not steer writes elsewhere.
    if (!isSafeAudioFileName(files[key])) continue;
    const file = path.join(dir, files[key]);
    const repaired = await repairWavHeader(file);
    fileBytes[key] = repaired.fileBytes;
    longest = Math.max(longest, repaired.dataBytes / 2);
    if (repaired.dataBytes > 0) legPaths.push(file);
  }
  const startMs = Date.parse(info.start_time);
  if (legPaths.length >= 2) {
    const mixedName = audioFileName('mixed', startMs);
    try {
      await deps.pool.mix(legPaths, path.join(dir, mixedName));
      files.mixed_audio = mixedName;
      fileBytes.mixed_audio = WAV_HEADER_BYTES + longest * 2;
    } catch (err) {
      log.error({ err }, 'recovery could not mix');
    }
  }
  const endMs = startMs + (longest / SAMPLE_RATE) * 1000;
  const recovered: SessionInfo = {
    ...info,
    files,
    file_bytes: fileBytes,
    status: 'recovered',
    end_reason: 'recovery',
    end_time: isoMicros(endMs),
    duration_seconds: Math.round(longest / SAMPLE_RATE * 100) / 100,
  };
  await releaseMetadataRoom(dir);
  await writeSessionInfo(dir, recovered);
  log.warn({ duration_seconds: recovered.duration_seconds }, `recovered session ${info.session_id} interrupted by a crash`);
  return recovered;
}

export async function recoverSessions(unfinished: readonly SessionInfo[], deps: RecoverDeps): Promise<SessionInfo[]> {
  const done: SessionInfo[] = [];
  for (const info of unfinished) {
    try {
      done.push(await recoverSession(info, deps));
    } catch (err) {
      deps.log.error({ err, session_id: info.session_id }, 'could not recover session');
    }
  }
  return done;
}
