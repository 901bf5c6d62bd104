/**
 * Completion webhooks: when a recording completes, is recovered or is
 * discarded, POST `{"event", "recording"}` to the configured URL (or the
 * session's own `webhook_url`), signed when a secret is set.
 *
 * Delivery is at least once: a failed attempt (network error, no answer in
 * 10 s, non-2xx) is retried with exponential back-off (1 s doubling, capped
 * at 10 min, jittered) until 24 h after the delivery was made, then given up.
 * Every delivery is saved under `<sessions-dir>/@webhooks/` before each
 * attempt, so a restart resumes it (start()); the receiver can tell a repeat
 * by `X-Callrec-Delivery`. The state shows on the recording as
 * `webhook: {state, attempts, last_error?, delivered_at?}` in
 * session_info.json and GET /api/recordings/:id.
 *
 * Nothing here throws to the caller or blocks: every step is async, every
 * failure is logged (warn per failed attempt, error when given up).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { updateListedSessionInfo } from '../storage/index.js';
import type { RecordingsIndex, SessionInfo } from '../storage/index.js';
import { retryDelayMs } from './backoff.js';
import { discardedBody, recordingBody, webhookUrlOf } from './payload.js';
import type { WebhookEvent } from './payload.js';
import { PendingStore } from './pending-store.js';
import type { PendingDelivery } from './pending-store.js';
import { postJson } from './post-json.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';

export interface WebhookState {
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error?: string;
  delivered_at?: string;
}

export interface WebhookOptions {
  sessionsDir: string;
  index: RecordingsIndex;
  log: Logger;
  /** --webhook-url (null: only sessions with their own webhook_url get one). */
  url: string | null;
  /** --webhook-secret (null: unsigned). */
  secret: string | null;
  /** First retry delay (default 1 s). */
  initialDelayMs?: number;
  /** Longest retry delay (default 10 min). */
  maxDelayMs?: number;
  /** Give up this long after the delivery was made (default 24 h). */
  maxAgeMs?: number;
  /** Deadline of one attempt (default 10 s). */
  timeoutMs?: number;
  random?: () => number;
}

const DEFAULTS = { initialDelayMs: 1000, maxDelayMs: 10 * 60_000, maxAgeMs: 24 * 3600_000, timeoutMs: 10_000 };
/** On close(), attempts already on the wire get this long to finish before they are cut. */
const CLOSE_GRACE_MS = 2000;

export class WebhookNotifier {
  readonly #opts: Required<Omit<WebhookOptions, 'url' | 'secret'>> & Pick<WebhookOptions, 'url' | 'secret'>;
  readonly #log: Logger;
  readonly #store: PendingStore;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #inFlight = new Map<string, AbortController>();
  /** Every running step (attempts, state writes), for close() to wait on. */
  readonly #work = new Set<Promise<unknown>>();
  #closed = false;
  /** close()'s grace is over: requests still on the wire were aborted. */
  #cut = false;

  constructor(opts: WebhookOptions) {
    this.#opts = { ...DEFAULTS, random: Math.random, ...opts };
    this.#log = opts.log.child({ mod: 'webhook' });
    this.#store = new PendingStore(opts.sessionsDir);
  }

  /** Resume the deliveries a previous run left pending; returns how many. */
  async start(): Promise<number> {
    let loaded;
    try {
      loaded = await this.#store.load();
    } catch (err) {
      this.#log.error({ err, dir: this.#store.dir }, 'could not read the pending webhook deliveries');
      return 0;
    }
    const { deliveries, unreadable } = loaded;
    for (const bad of unreadable) this.#log.warn(bad, 'skipping an unreadable pending webhook delivery');
    for (const d of deliveries) {
      if (webhookUrlOf(d.url) === null) this.#log.warn({ session_id: d.session_id, delivery_id: d.delivery_id }, 'skipping a pending webhook delivery without a valid URL');
      else this.#schedule(d, Date.parse(d.next_attempt_at) - Date.now());
    }
    if (deliveries.length > 0) this.#log.info({ pending: deliveries.length }, 'resuming pending webhook deliveries');
    return deliveries.length;
  }

  /**
   * A recording was finalized or recovered (it is listed in the index).
   * `sessionUrl`: the session's own webhook_url, if any (else the one in its metadata, else --webhook-url).
   */
  notifyFinished(info: SessionInfo, event: 'recording.completed' | 'recording.recovered', sessionUrl?: unknown): void {
    const url = this.#urlFor(info.session_id, sessionUrl ?? info.webhook_url);
    if (url === null || this.#closed) return;
    const recording = this.#opts.index.get(info.session_id);
    if (recording === null) return;
    this.#enqueue(info.session_id, event, url, recordingBody(event, recording), true);
  }

  /** A call's recording was dropped (min-duration, discard request): no directory is left to track state in. */
  notifyDiscarded(sessionId: string, reason: string, opts: { info?: Partial<SessionInfo>; webhookUrl?: unknown } = {}): void {
    const url = this.#urlFor(sessionId, opts.webhookUrl ?? opts.info?.webhook_url);
    if (url === null || this.#closed) return;
    this.#enqueue(sessionId, 'recording.discarded', url, discardedBody(sessionId, reason, opts.info), false);
  }

  /**
   * Stop retrying: pending deliveries stay saved for the next start. Attempts
   * on the wire (e.g. for calls finalized by the shutdown) get a short grace,
   * then are cut.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([this.#settled(), grace]);
    this.#cut = true;
    for (const controller of this.#inFlight.values()) controller.abort();
    await this.#settled();
  }

  /** Resolves when no attempt or state write is running (tests). */
  async #settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  #urlFor(sessionId: string, sessionUrl: unknown): string | null {
    if (sessionUrl !== undefined && sessionUrl !== null) {
      const url = webhookUrlOf(sessionUrl);
      if (url !== null) return url;
      this.#log.warn({ session_id: sessionId }, 'ignoring a webhook_url that is not an http(s) URL');
    }
    return this.#opts.url;
  }

  #enqueue(sessionId: string, event: WebhookEvent, url: string, body: string, track: boolean): void {
    const now = new Date().toISOString();
    const d: PendingDelivery = {
      delivery_id: randomUUID(),
      session_id: sessionId,
      event,
      url,
      body,
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
      track,
    };
    if (track) this.#setState(d, { state: 'pending', attempts: 0 });
    // At once, not on a timer: even a call finalized by the shutdown gets its delivery saved.
    this.#track(this.#attempt(d));
  }

  #schedule(d: PendingDelivery, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(d.delivery_id);
      this.#track(this.#attempt(d));
    }, Math.max(0, delayMs));
    this.#timers.set(d.delivery_id, timer);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.#log.error({ err }, 'webhook step failed'));
    this.#work.add(tracked);
    tracked.finally(() => this.#work.delete(tracked));
  }

  async #attempt(d: PendingDelivery): Promise<void> {
    if (this.#cut) return;
    const log = this.#log.child({ session_id: d.session_id, event: d.event, delivery_id: d.delivery_id });
    d.attempts++;
    // Saved before the request goes out: a crash mid-attempt still counts it and resumes the delivery.
    await this.#save(d, log);
    if (this.#cut) return;

    const headers: Record<string, string> = {
      'user-agent': 'callrec',
      'x-callrec-event': d.event,
      'x-callrec-delivery': d.delivery_id,
    };
    if (this.#opts.secret !== null) headers[SIGNATURE_HEADER.toLowerCase()] = signBody(this.#opts.secret, d.body);
    const controller = new AbortController();
    this.#inFlight.set(d.delivery_id, controller);
    const outcome = await postJson(new URL(d.url), d.body, { timeoutMs: this.#opts.timeoutMs, headers, signal: controller.signal });
    this.#inFlight.delete(d.delivery_id);

    if (outcome.ok) {
      log.info({ attempts: d.attempts, status: outcome.status }, 'webhook delivered');
      if (d.track) await this.#setState(d, { state: 'delivered', attempts: d.attempts, delivered_at: new Date().toISOString() });
      await this.#store.remove(d).catch((err) => log.error({ err }, 'could not remove a delivered webhook from the pending directory'));
      return;
    }
    if (this.#cut) return; // aborted by close(): resumed at the next start
    d.last_error = outcome.error;
    const now = Date.now();
    const deadline = Date.parse(d.created_at) + this.#opts.maxAgeMs;
    if (now >= deadline) {
      log.error({ attempts: d.attempts, error: outcome.error }, `webhook given up after ${d.attempts} attempts`);
      if (d.track) await this.#setState(d, { state: 'failed', attempts: d.attempts, last_error: outcome.error });
      await this.#store.remove(d).catch((err) => log.error({ err }, 'could not remove a failed webhook from the pending directory'));
      return;
    }
    const next = Math.min(now + retryDelayMs(d.attempts, this.#opts, this.#opts.random), deadline);
    d.next_attempt_at = new Date(next).toISOString();
    log.warn({ attempts: d.attempts, error: outcome.error, retry_in_ms: next - now }, 'webhook attempt failed');
    await this.#save(d, log);
    if (d.track) await this.#setState(d, { state: 'pending', attempts: d.attempts, last_error: outcome.error });
    this.#schedule(d, next - now);
  }

  async #save(d: PendingDelivery, log: Logger): Promise<void> {
    try {
      await this.#store.save(d);
    } catch (err) {
      // Still delivered from memory; only a restart could lose it now.
      log.error({ err }, 'could not save a pending webhook delivery');
    }
  }

  /** Record the state in session_info.json and the index (serialized with other metadata updates). */
  #setState(d: PendingDelivery, state: WebhookState): Promise<void> {
    const p = updateListedSessionInfo(this.#opts.sessionsDir, this.#opts.index, d.session_id, (info) => {
      info.webhook = state;
    }).then(
      () => {},
      (err: NodeJS.ErrnoException) => {
        // The recording may have been deleted meanwhile: the delivery goes on regardless.
        this.#log.debug({ session_id: d.session_id, code: err.code, err }, 'could not record the webhook state');
      },
    );
    this.#track(p);
    return p;
  }
}
