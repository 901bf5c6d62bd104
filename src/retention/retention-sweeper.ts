/**
 * --retention-days (SPEC §6): finished recordings whose start_time is older
 * than that are deleted, once at start-up and then hourly. Active calls are
 * never in the index, and the deleter refuses them anyway. Each deletion is
 * logged by the deleter (with session_id); each sweep logs a summary.
 * Deletions run one after another, so a first sweep over years of
 * recordings never floods the disk or blocks the event loop.
 */
import { CallrecError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RecordingsIndex } from '../storage/index.js';
import type { RecordingDeleter } from './recording-deleter.js';

const DAY_MS = 86_400_000;
export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionDeps {
  index: RecordingsIndex;
  deleter: RecordingDeleter;
  retentionDays: number;
  log: Logger;
  intervalMs?: number;
  /** Epoch ms (tests). */
  now?: () => number;
}

export interface SweepResult {
  /** Recordings that started before this are deleted (ISO time). */
  cutoff: string;
  deleted: number;
  failed: number;
}

export class RetentionSweeper {
  readonly #deps: RetentionDeps;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepResult> | null = null;
  #stopped = false;

  constructor(deps: RetentionDeps) {
    if (!(deps.retentionDays > 0)) throw new TypeError('retentionDays must be > 0');
    this.#deps = deps;
    this.#log = deps.log.child({ mod: 'retention' });
  }

  /** Sweep now, then every interval (the timer never keeps the process alive). */
  start(): void {
    this.#stopped = false;
    const sweep = () => {
      this.runOnce().catch((err) => this.#log.error({ err }, 'retention sweep failed'));
    };
    sweep();
    this.#timer = setInterval(sweep, this.#deps.intervalMs ?? RETENTION_INTERVAL_MS);
    this.#timer.unref();
  }

  /** No more sweeps; a sweep under way stops after its current deletion. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One sweep; a call while one runs gets that one's result. */
  runOnce(): Promise<SweepResult> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #sweep(): Promise<SweepResult> {
    const { index, deleter, retentionDays } = this.#deps;
    const cutoffMs = (this.#deps.now ?? Date.now)() - retentionDays * DAY_MS;
    const result: SweepResult = { cutoff: new Date(cutoffMs).toISOString(), deleted: 0, failed: 0 };
    for (const id of index.startedBefore(cutoffMs)) {
      if (this.#stopped) break;
      try {
        await deleter.delete(id, { reason: 'retention', retention_days: retentionDays });
        result.deleted++;
      } catch (err) {
        // Deleted meanwhile (404) or, impossibly, active (409): nothing to do.
        if (err instanceof CallrecError && (err.code === 'CALLREC_ERR_NOT_FOUND' || err.code === 'CALLREC_ERR_SESSION_ACTIVE')) continue;
        result.failed++;
        this.#log.error({ err, session_id: id }, 'retention could not delete a recording');
      }
    }
    this.#log.info({ ...result, retention_days: retentionDays }, `retention: deleted ${result.deleted} recording(s) older than ${retentionDays} day(s)`);
    return result;
  }
}
