/**
 * Free space of the sessions directory's file system, and the rule for when
 * it is too little to take a call: the node refuses new calls (503
 * CALLREC_ERR_STORAGE) and /healthz says so, from the same number.
 */
import { statfs } from 'node:fs/promises';

/** Below this a new call is refused: less than ~2 s of one call's two legs and its metadata. */
export const MIN_FREE_DISK_BYTES = 64 * 1024;

export interface DiskSpace {
  free_bytes: number;
  used_bytes: number;
  total_bytes: number;
}

/** The file system holding `dir`, or null when it cannot be read. */
export async function diskSpace(dir: string): Promise<DiskSpace | null> {
  try {
    const s = await statfs(dir);
    return {
      free_bytes: s.bavail * s.bsize,
      used_bytes: (s.blocks - s.bfree) * s.bsize,
      total_bytes: s.blocks * s.bsize,
    };
  } catch {
    return null;
  }
}

export function isDiskTooFull(space: DiskSpace | null): boolean {
  return space !== null && space.free_bytes < MIN_FREE_DISK_BYTES;
}
