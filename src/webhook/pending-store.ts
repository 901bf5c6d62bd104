/**
 * Pending webhook deliveries on disk, so a restart (or a crash) does not
 * lose one: `<sessions-dir>/@webhooks/<session_id>.<delivery_id>.json`.
 * The directory name cannot be a session id (`@` is outside
 * ^[A-Za-z0-9._-]{1,64}$), so the start-up scan never mistakes it for a
 * session and no call can ever be recorded into it.
 *
 * A file is written atomically (temp file, fsync, rename) before every
 * attempt and after every failure, and removed once the delivery is
 * delivered or given up. Each delivery's writes come one after the other
 * (the notifier never runs two steps of one delivery at once).
 */
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { WebhookEvent } from './payload.js';

export const PENDING_DIR = '@webhooks';

export interface PendingDelivery {
  delivery_id: string;
  session_id: string;
  event: WebhookEvent;
  url: string;
  /** The exact body, signed and sent on every attempt. */
  body: string;
  /** When the delivery was made; it is given up 24 h (maxAgeMs) later. */
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  last_error?: string;
  /** Keep `webhook` in the session's session_info.json (not for discarded calls: no directory is left). */
  track: boolean;
}

function isPendingDelivery(v: unknown): v is PendingDelivery {
  const d = v as PendingDelivery;
  return (
    typeof d === 'object' && d !== null &&
    typeof d.delivery_id === 'string' && typeof d.session_id === 'string' &&
    typeof d.event === 'string' && typeof d.url === 'string' && typeof d.body === 'string' &&
    typeof d.created_at === 'string' && typeof d.attempts === 'number' &&
    typeof d.next_attempt_at === 'string' && typeof d.track === 'boolean'
  );
}

export class PendingStore {
  readonly dir: string;
  #made = false;

  constructor(sessionsDir: string) {
    this.dir = path.join(sessionsDir, PENDING_DIR);
  }

  #file(d: PendingDelivery): string {
    return path.join(this.dir, `${d.session_id}.${d.delivery_id}.json`);
  }

  async save(d: PendingDelivery): Promise<void> {
    if (!this.#made) {
      await mkdir(this.dir, { recursive: true });
      this.#made = true;
    }
    const target = this.#file(d);
    const temp = `${target}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(d)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  }

  async remove(d: PendingDelivery): Promise<void> {
    try {
      await unlink(this.#file(d));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Every saved delivery; unreadable files are reported and left in place, temp files removed. */
  async load(): Promise<{ deliveries: PendingDelivery[]; unreadable: { file: string; reason: string }[] }> {
    const deliveries: PendingDelivery[] = [];
    const unreadable: { file: string; reason: string }[] = [];
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { deliveries, unreadable };
      throw err;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await unlink(file).catch(() => {});
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
        if (!isPendingDelivery(parsed)) throw new Error('not a pending webhook delivery');
        deliveries.push(parsed);
      } catch (err) {
        unreadable.push({ file, reason: (err as Error).message });
      }
    }
    return { deliveries, unreadable };
  }
}
