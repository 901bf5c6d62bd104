export { resizeWav, syncFile } from './wav-resize.js';
export { WAV_HEADER_BYTES, WAV_SAMPLE_RATE, createWavHeader, writeWavHeader } from './wav-header.js';
export {
  SESSION_INFO_FILE,
  SESSION_ID_PATTERN,
  isValidSessionId,
  audioFileName,
  fileStamp,
  isoMicros,
  sessionDir,
} from './session-files.js';
export type { AudioKind } from './session-files.js';
export { writeSessionInfo, readSessionInfo } from './session-info.js';
export type { SessionInfo, SessionFiles, SessionStatus, LegStats } from './session-info.js';
export { updateSessionInfo, updateListedSessionInfo } from './session-info-update.js';
export { RECORDING_STATUSES, RecordingsIndex } from './recordings-index.js';
export type { Recording, RecordingQuery, AudioFileEntry } from './recordings-index.js';
export { scanSessionsDir } from './scan.js';
export type { ScanResult } from './scan.js';
export { MIN_FREE_DISK_BYTES, diskSpace, isDiskTooFull } from './disk-space.js';
export type { DiskSpace } from './disk-space.js';
export { METADATA_RESERVE_FILE, releaseMetadataRoom, reserveMetadataRoom } from './metadata-reserve.js';
export { isSafeAudioFileName } from './file-names.js';
export { recoverSession, recoverSessions, repairWavHeader } from './recover.js';
export type { RecoverDeps } from './recover.js';
