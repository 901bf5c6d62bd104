/**
 * The recordings index (SPEC §5): every finished session's metadata, kept in
 * memory, newest first. Built once at start-up from the session_info.json
 * files, then updated as calls finish, recover or are deleted, so a listing
 * never touches the disk.
 */
import path from 'node:path';
import type { SessionInfo } from './session-info.js';

export interface AudioFileEntry {
  filename: string;
  size_mb: number;
  path: string;
}

export interface Recording {
  session_id: string;
  caller_id: string;
  called_number: string;
  start_time: string;
  end_time: string;
  duration_seconds: number;
  status: string;
  /** Why the call ended (api_hangup, sip_bye, rtp_timeout, shutdown, recovery, …), when recorded. */
  end_reason?: string;
  /** How the call was started: `http` (POST /api/sessions) or `sip` (SIPREC). */
  source?: string;
  audio_files: Record<string, AudioFileEntry>;
  /** Completion webhook delivery state (src/webhook/), when a webhook applies. */
  webhook?: unknown;
  /** Post-processing command result (src/hooks/), when --on-complete is set. */
  on_complete?: unknown;
}

/**
 * One recording with everything its session_info.json holds (stats, errors,
 * pauses, SIPREC fields, webhook and on_complete state, …) plus the
 * listing's fields (`audio_files`).
 */
export type RecordingDetail = Recording & Record<string, unknown>;

/** Every status a session record can have; the listing's `status` filter takes these. */
export const RECORDING_STATUSES = ['recording', 'completed', 'recovered', 'discarded', 'failed'] as const;

export interface RecordingQuery {
  limit: number;
  offset: number;
  callerId?: string;
  calledNumber?: string;
  status?: string;
  fromMs?: number;
  toMs?: number;
}

interface Entry {
  startMs: number;
  /** Copied out of `info` so a filtered query touches one small object per entry. */
  callerId: string;
  calledNumber: string;
  status: string;
  info: SessionInfo;
}

function entryOf(info: SessionInfo): Entry {
  const startMs = Date.parse(info.start_time);
  // An unreadable start_time sorts as the oldest rather than breaking the order.
  return { startMs: Number.isNaN(startMs) ? 0 : startMs, callerId: info.caller_id, calledNumber: info.called_number, status: info.status, info };
}

const BYTES_PER_MB = 1048576;

export class RecordingsIndex {
  /** As shown in `path`: the sessions dir as configured (e.g. "sessions"). */
  readonly #displayDir: string;
  readonly #byId = new Map<string, Entry>();
  /** Newest first (descending start time, then id for a stable order). */
  #ordered: Entry[] = [];

  constructor(sessionsDir: string) {
    this.#displayDir = path.normalize(sessionsDir);
  }

  get size(): number {
    return this.#byId.size;
  }

  has(sessionId: string): boolean {
    return this.#byId.has(sessionId);
  }

  /** Add or replace a finished session. */
  add(info: SessionInfo): void {
    if (info.end_time === undefined) return;
    this.remove(info.session_id);
    const entry = entryOf(info);
    this.#byId.set(info.session_id, entry);
    this.#ordered.splice(this.#firstAfter(entry), 0, entry);
  }

  /** Add many at once (start-up): one sort instead of many inserts. */
  addAll(infos: readonly SessionInfo[]): void {
    for (const info of infos) {
      if (info.end_time === undefined) continue;
      this.#byId.set(info.session_id, entryOf(info));
    }
    this.#ordered = [...this.#byId.values()].sort(compare);
  }

  remove(sessionId: string): boolean {
    const entry = this.#byId.get(sessionId);
    if (entry === undefined) return false;
    this.#byId.delete(sessionId);
    // The entry sorts just before the first one that sorts after it (ids are unique).
    const at = this.#firstAfter(entry) - 1;
    if (at >= 0 && this.#ordered[at] === entry) this.#ordered.splice(at, 1);
    return true;
  }

  /** The recording with all of its session_info.json: GET /api/recordings/:id and the webhook body. */
  get(sessionId: string): RecordingDetail | null {
    const entry = this.#byId.get(sessionId);
    if (entry === undefined) return null;
    // The listing's fields win over the same names in the file (they are derived from it).
    return { ...entry.info, ...this.#toRecording(entry.info) };
  }

  info(sessionId: string): SessionInfo | null {
    return this.#byId.get(sessionId)?.info ?? null;
  }

  query(q: RecordingQuery): { total: number; recordings: Recording[] } {
    const ordered = this.#ordered;
    // Newest first: `to` bounds where the range starts, `from` where it ends.
    const begin = q.toMs === undefined ? 0 : this.#firstStartedAtOrBefore(q.toMs);
    const end = q.fromMs === undefined ? ordered.length : this.#firstStartedAtOrBefore(q.fromMs - 1);
    if (q.callerId === undefined && q.calledNumber === undefined && q.status === undefined) {
      const page = ordered.slice(Math.min(end, begin + q.offset), Math.min(end, begin + q.offset + q.limit));
      return { total: Math.max(0, end - begin), recordings: page.map((e) => this.#toRecording(e.info)) };
    }
    const matches: SessionInfo[] = [];
    let total = 0;
    for (let i = begin; i < end; i++) {
      const entry = ordered[i];
      if (q.callerId !== undefined && entry.callerId !== q.callerId) continue;
      if (q.calledNumber !== undefined && entry.calledNumber !== q.calledNumber) continue;
      if (q.status !== undefined && entry.status !== q.status) continue;
      if (total >= q.offset && matches.length < q.limit) matches.push(entry.info);
      total++;
    }
    return { total, recordings: matches.map((info) => this.#toRecording(info)) };
  }

  /** Index of the first entry (newest first) whose start is at or before `ms`. */
  #firstStartedAtOrBefore(ms: number): number {
    let lo = 0;
    let hi = this.#ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ordered[mid].startMs > ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry that sorts after `entry`. */
  #firstAfter(entry: Entry): number {
    let lo = 0;
    let hi = this.#ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.#ordered[mid], entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Finished sessions that started before `epochMs` (for retention). */
  startedBefore(epochMs: number): string[] {
    return this.#ordered.filter((e) => e.startMs < epochMs).map((e) => e.info.session_id);
  }

  #toRecording(info: SessionInfo): Recording {
    const audio: Record<string, AudioFileEntry> = {};
    for (const [key, filename] of Object.entries(info.files)) {
      const bytes = info.file_bytes?.[key] ?? 0;
      audio[key] = {
        filename,
        size_mb: Math.round((bytes / BYTES_PER_MB) * 100) / 100,
        path: path.join(this.#displayDir, info.session_id, filename),
      };
    }
    const recording: Recording = {
      session_id: info.session_id,
      caller_id: info.caller_id,
      called_number: info.called_number,
      start_time: info.start_time,
      end_time: info.end_time as string,
      duration_seconds: info.duration_seconds ?? 0,
      status: info.status,
      audio_files: audio,
    };
    if (typeof info.end_reason === 'string') recording.end_reason = info.end_reason;
    if (typeof info.source === 'string') recording.source = info.source;
    if (info.webhook !== undefined) recording.webhook = info.webhook;
    if (info.on_complete !== undefined) recording.on_complete = info.on_complete;
    return recording;
  }
}

function compare(a: Entry, b: Entry): number {
  if (a.startMs !== b.startMs) return b.startMs - a.startMs;
  return a.info.session_id < b.info.session_id ? -1 : a.info.session_id > b.info.session_id ? 1 : 0;
}
