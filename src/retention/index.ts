export { RecordingDeleter } from './recording-deleter.js';
export type { RecordingDeleterDeps, DeleteReason } from './recording-deleter.js';
export { RetentionSweeper, RETENTION_INTERVAL_MS } from './retention-sweeper.js';
export type { RetentionDeps, SweepResult } from './retention-sweeper.js';
