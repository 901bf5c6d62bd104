/**
 * Read-modify-write of a finished session's session_info.json from several
 * places at once (webhook delivery state, on-complete result) without losing
 * a write: updates of one session id run one after the other (a promise
 * chain per id); different ids run in parallel. Each update reads the file,
 * lets `mutate` change the object, and writes it atomically.
 *
 * Only writers that go through here are serialized: use it for every update
 * made after a session is finalized.
 */
import { readSessionInfo, writeSessionInfo } from './session-info.js';
import type { SessionInfo } from './session-info.js';
import { sessionDir } from './session-files.js';
import type { RecordingsIndex } from './recordings-index.js';

/** The newest queued update per session id (removed once the chain is idle). */
const tails = new Map<string, Promise<unknown>>();

export function updateSessionInfo(
  sessionsDir: string,
  sessionId: string,
  mutate: (info: SessionInfo) => void,
): Promise<SessionInfo> {
  const run = async (): Promise<SessionInfo> => {
    const dir = sessionDir(sessionsDir, sessionId);
    const info = await readSessionInfo(dir);
    mutate(info);
    await writeSessionInfo(dir, info);
    return info;
  };
  const previous = tails.get(sessionId) ?? Promise.resolve();
  const next = previous.then(run, run);
  tails.set(sessionId, next);
  const forget = () => {
    if (tails.get(sessionId) === next) tails.delete(sessionId);
  };
  next.then(forget, forget);
  return next;
}

/**
 * updateSessionInfo, then list the new metadata in `index`, so that
 * GET /api/recordings shows it. A recording that is no longer listed
 * (deleted meanwhile) is not listed again.
 */
export async function updateListedSessionInfo(
  sessionsDir: string,
  index: RecordingsIndex,
  sessionId: string,
  mutate: (info: SessionInfo) => void,
): Promise<SessionInfo> {
  const updated = await updateSessionInfo(sessionsDir, sessionId, mutate);
  if (index.has(sessionId)) index.add(updated);
  return updated;
}
