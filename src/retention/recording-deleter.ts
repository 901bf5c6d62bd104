/**
 * Deleting a finished recording (DELETE /api/recordings/:id and retention).
 *
 * The session directory is first renamed to a trash name in the sessions
 * directory (one atomic step: the recording is gone from disk and index at
 * once, never half there), then removed. A trash name holds a `~`, which no
 * session id may, so a scan never mistakes it for a recording;
 * removeLeftovers() clears what a crash left between the two steps.
 *
 * Only ids in the index are deleted, and only through sessionDir(), which
 * validates the id again: user input never becomes a path by itself.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { callrecError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RecordingsIndex, SessionInfo } from '../storage/index.js';
import { isValidSessionId, sessionDir } from '../storage/index.js';

const TRASH_PREFIX = '.deleting~';

export interface RecordingDeleterDeps {
  index: RecordingsIndex;
  /** The active calls (a SessionRegistry): an id found here is never deleted. */
  sessions: { get(id: string): unknown };
  sessionsDir: string;
  log: Logger;
}

/** Why a recording is deleted, logged with it. */
export interface DeleteReason {
  reason: 'api' | 'retention';
  [field: string]: unknown;
}

export class RecordingDeleter {
  readonly #deps: RecordingDeleterDeps;
  readonly #log: Logger;
  /** Deletions under way: a second request for the same id gets the same answer. */
  readonly #inFlight = new Map<string, Promise<SessionInfo>>();

  constructor(deps: RecordingDeleterDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ mod: 'delete' });
  }

  /**
   * Delete a finished recording; resolves with its last metadata.
   * Rejects CALLREC_ERR_INVALID_ID, _SESSION_ACTIVE (still recording),
   * _NOT_FOUND, or _STORAGE (the directory could not be moved).
   */
  delete(id: string, why: DeleteReason): Promise<SessionInfo> {
    if (!isValidSessionId(id)) return Promise.reject(callrecError('CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$'));
    const pending = this.#inFlight.get(id);
    if (pending !== undefined) return pending;
    if (this.#deps.sessions.get(id) !== undefined) {
      return Promise.reject(callrecError('CALLREC_ERR_SESSION_ACTIVE', `session "${id}" is still recording; hang it up first`));
    }
    const info = this.#deps.index.info(id);
    if (info === null) return Promise.reject(callrecError('CALLREC_ERR_NOT_FOUND', `no recording "${id}"`));
    const done = this.#delete(id, info, why).finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, done);
    return done;
  }

  /** Remove trash directories a crash left behind; returns how many. */
  async removeLeftovers(): Promise<number> {
    const names = (await readdir(this.#deps.sessionsDir)).filter((n) => n.startsWith(TRASH_PREFIX));
    for (const name of names) await rm(path.join(this.#deps.sessionsDir, name), { recursive: true, force: true });
    if (names.length > 0) this.#log.info({ removed: names.length }, 'removed leftovers of interrupted deletions');
    return names.length;
  }

  async #delete(id: string, info: SessionInfo, why: DeleteReason): Promise<SessionInfo> {
    const { index, sessionsDir } = this.#deps;
    const dir = sessionDir(sessionsDir, id);
    const trash = path.join(sessionsDir, `${TRASH_PREFIX}${id}~${randomBytes(4).toString('hex')}`);
    const log = this.#log.child({ session_id: id });
    try {
      await rename(dir, trash);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'ENOENT') throw callrecError('CALLREC_ERR_STORAGE', `could not delete recording "${id}" (${code})`, err);
      // Already gone from disk (removed by hand): only the index entry is left.
      index.remove(id);
      log.warn({ ...why }, `recording ${id} was already gone from disk; removed from the index`);
      return info;
    }
    index.remove(id);
    log.info({ ...why, start_time: info.start_time }, `🗑️ Deleted recording ${id}`);
    try {
      await rm(trash, { recursive: true, force: true });
    } catch (err) {
      log.warn({ err, dir: trash }, 'could not remove the files of a deleted recording');
    }
    return info;
  }
}
