/**
 * Room kept for a session's last metadata write. The final session_info.json
 * (with end_time) is written when the call ends, which is exactly when a disk
 * filled by the call's own audio has no room left: the answer would then say
 * "completed" while the disk still said "recording". So each session
 * directory holds a small zero-filled file from its start; finalize (and
 * recovery) delete it just before the final write, which then has that room.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const METADATA_RESERVE_FILE = '.metadata-reserve';
/** Far more than a session_info.json takes, SIPREC metadata included. */
export const METADATA_RESERVE_BYTES = 16 * 1024;

export async function reserveMetadataRoom(dir: string): Promise<void> {
  await writeFile(path.join(dir, METADATA_RESERVE_FILE), Buffer.alloc(METADATA_RESERVE_BYTES));
}

/** Give the room back to the file system (no error when there is none). */
export async function releaseMetadataRoom(dir: string): Promise<void> {
  await rm(path.join(dir, METADATA_RESERVE_FILE), { force: true });
}
