/**
 * The active sessions: creating them (unique ids; see create-session.ts),
 * finding them, controlling them (controls.ts), ending them once (API, RTP
 * timeout, SIP, shutdown; see finalize.ts), and handing finished ones to the
 * recordings index and the finalized listeners.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { callrecError } from '../errors.js';
import type { PortPool } from '../ingest/index.js';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import { MIN_FREE_DISK_BYTES, diskSpace, isDiskTooFull, isValidSessionId, writeSessionInfo } from '../storage/index.js';
import type { DiskSpace, RecordingsIndex, SessionInfo } from '../storage/index.js';
import { addExtraStream, discardRecording, pauseRecording, resumeRecording } from './controls.js';
import { createSession } from './create-session.js';
import type { CreateSessionRequest } from './create-session.js';
import { baseInfo, finalizeSession } from './finalize.js';
import type { PauseBehavior, Session, SessionLeg } from './session.js';

export type { CreateSessionRequest };

/** Why a call ended: kept in session_info.json as `end_reason`. */
export type EndReason = 'api_hangup' | 'sip_bye' | 'sip_cancel' | 'sip_no_ack' | 'session_timer' | 'rtp_timeout' | 'shutdown';

/** Why the node would refuse a new call now (also /healthz's `reasons`). */
export type Refusal = 'shutting_down' | 'disk_full' | 'no_free_ports';

/** A call needs a port for each of its two legs. */
const PORTS_PER_CALL = 2;

const TIMEOUT_SWEEP_MS = 1000;

/** Told after a session is finalized and listed (metrics, webhooks, hooks). */
export type FinalizedListener = (info: SessionInfo, session: Session, finalizeSeconds: number) => void;

export interface RegistryDeps {
  config: Config;
  pool: RecorderPool;
  ports: PortPool;
  index: RecordingsIndex;
  log: Logger;
}

export class SessionRegistry {
  readonly #deps: RegistryDeps;
  readonly #log: Logger;
  readonly #active = new Map<string, Session>();
  /** Ids being created right now (between the check and the directory). */
  readonly #reserved = new Set<string>();
  readonly #finalizedListeners: FinalizedListener[] = [];
  readonly #creating = new Set<Promise<Session>>();
  #accepting = true;
  #sweep: NodeJS.Timeout | null = null;

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ mod: 'session' });
  }

  get size(): number {
    return this.#active.size;
  }

  get(id: string): Session | undefined {
    return this.#active.get(id);
  }

  list(): Session[] {
    return [...this.#active.values()];
  }

  /** Call `listener` after every finalized session (a throwing listener is logged, never fatal). */
  onFinalized(listener: FinalizedListener): void {
    this.#finalizedListeners.push(listener);
  }

  /** The session owning a leg slot (for per-slot worker reports). */
  bySlot(slot: number): { session: Session; leg: string } | null {
    for (const session of this.#active.values()) {
      for (const leg of session.allLegs()) if (leg.receiver.slot === slot) return { session, leg: leg.name };
    }
    return null;
  }

  /**
   * Every reason a new call would be refused now, from the same checks create()
   * makes; empty when one would be taken. /healthz answers 503 unless empty.
   */
  async refusals(): Promise<Refusal[]> {
    const reasons: Refusal[] = [];
    if (!this.#accepting) reasons.push('shutting_down');
    if ((await this.#diskTooFull()) !== null) reasons.push('disk_full');
    if (this.#deps.ports.available() < PORTS_PER_CALL) reasons.push('no_free_ports');
    return reasons;
  }

  create(req: CreateSessionRequest): Promise<Session> {
    if (!this.#accepting) return Promise.reject(callrecError('CALLREC_ERR_SHUTTING_DOWN'));
    // Shutdown waits for creations under way, so a call answered 201 is always finalized.
    const creating = this.#create(req);
    this.#creating.add(creating);
    const forget = () => this.#creating.delete(creating);
    creating.then(forget, forget);
    return creating;
  }

  async #create(req: CreateSessionRequest): Promise<Session> {
    const id = req.sessionId ?? randomUUID();
    if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_INVALID_ID', 'session_id must match ^[A-Za-z0-9._-]{1,64}$');
    if (this.#active.has(id) || this.#reserved.has(id) || this.#deps.index.has(id)) {
      throw callrecError('CALLREC_ERR_SESSION_EXISTS', `session_id "${id}" is already in use or recorded`);
    }
    this.#reserved.add(id);
    try {
      const full = await this.#diskTooFull();
      if (full !== null) {
        throw callrecError('CALLREC_ERR_STORAGE', `the sessions directory's disk is full (${full.free_bytes} bytes free, a call needs ${MIN_FREE_DISK_BYTES})`);
      }
      const session = await createSession(this.#deps, id, req);
      this.#active.set(id, session);
      this.#log.child({ session_id: id }).info(
        { rtp: session.toJSON().rtp, caller_id: req.callerId, called_number: req.calledNumber, source: req.source },
        `🎙️ Recording initialized for session ${id}`,
      );
      return session;
    } finally {
      this.#reserved.delete(id);
    }
  }

  /** End an active session (a second call while it ends gets the same result); 404 when unknown or ended. */
  hangup(id: string, reason: EndReason): Promise<SessionInfo> {
    const session = this.#active.get(id);
    if (session === undefined) throw callrecError('CALLREC_ERR_NOT_FOUND', `no active session "${id}"`);
    return this.#end(session, reason);
  }

  /** Pause recording (PCI); pausing a paused call changes nothing. */
  pause(id: string, behavior: PauseBehavior): Session {
    const session = this.#activeOr404(id);
    if (pauseRecording(session, behavior)) this.#log.child({ session_id: id }).info({ behavior }, `⏸️ Recording paused for session ${id}`);
    return session;
  }

  /** Resume recording; resuming a call that is not paused changes nothing. */
  async resume(id: string): Promise<Session> {
    const session = this.#activeOr404(id);
    const ended = await resumeRecording(session, this.#deps);
    if (ended !== null) this.#log.child({ session_id: id }).info({ behavior: ended.behavior }, `▶️ Recording resumed for session ${id}`);
    return session;
  }

  /** Drop a call's recording now; the call goes on unrecorded until it ends. */
  async discard(id: string): Promise<Session> {
    const session = this.#activeOr404(id);
    if (await discardRecording(session)) this.#log.child({ session_id: id }).info(`🗑️ Recording discarded on request for session ${id}`);
    return session;
  }

  /**
   * Rewrite a live session's session_info.json (parties or SIPREC metadata
   * learnt mid-call), so a crash-recovered call keeps them. Writes are chained
   * per session and stop once the call is ending.
   */
  persistMetadata(id: string): Promise<void> {
    const session = this.#active.get(id);
    if (session === undefined || session.state !== 'active') return Promise.resolve();
    session.metadataWrite = session.metadataWrite
      .then(() => (session.state === 'active' ? writeSessionInfo(session.dir, baseInfo(session)) : undefined))
      .catch((err) => this.#log.warn({ err, session_id: id }, 'could not rewrite session_info.json'));
    return session.metadataWrite;
  }

  /** Record one more stream (SIPREC): see addExtraStream. */
  async addStream(id: string, label: string, telephoneEventPt?: number): Promise<SessionLeg> {
    const leg = await addExtraStream(this.#activeOr404(id), { ...this.#deps, log: this.#log }, label, telephoneEventPt);
    this.#log.child({ session_id: id }).info({ leg: leg.name, port: leg.receiver.port }, `extra stream ${leg.name} added`);
    return leg;
  }

  /**
   * Every stream on hold by offer/answer (a=inactive) or not: while on hold the
   * RTP timeout leaves the call alone, and it counts again from the resume.
   */
  setMediaInactive(id: string, inactive: boolean): void {
    const session = this.#activeOr404(id);
    if (session.mediaInactive && !inactive) session.activitySinceMs = performance.now();
    session.mediaInactive = inactive;
  }

  /** Stop taking calls and end every active one. */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    this.stopTimeoutSweep();
    await Promise.allSettled([...this.#creating]);
    await Promise.allSettled(this.list().map((s) => this.#end(s, 'shutdown')));
  }

  startTimeoutSweep(): void {
    const limitMs = this.#deps.config.rtpTimeoutSeconds * 1000;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const session of this.#active.values()) {
        if (session.state === 'active' && !session.mediaInactive && now - session.lastActivityMs() > limitMs) {
          // Nobody awaits a timeout's hangup: a finalize that fails is logged here or never seen.
          this.#end(session, 'rtp_timeout').catch((err: unknown) => {
            this.#log.error({ err, session_id: session.id }, `could not finalize session ${session.id} after the RTP timeout`);
          });
        }
      }
    }, TIMEOUT_SWEEP_MS);
    this.#sweep.unref();
  }

  stopTimeoutSweep(): void {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  /** The sessions directory's disk space when it is too little for a new call, else null. */
  async #diskTooFull(): Promise<DiskSpace | null> {
    const space = await diskSpace(this.#deps.config.sessionsDir);
    return isDiskTooFull(space) ? space : null;
  }

  #activeOr404(id: string): Session {
    const session = this.#active.get(id);
    if (session === undefined || session.state !== 'active') throw callrecError('CALLREC_ERR_NOT_FOUND', `no active session "${id}"`);
    return session;
  }

  #end(session: Session, reason: EndReason): Promise<SessionInfo> {
    const { pool, ports, index, log } = this.#deps;
    return session.hangup(async (s) => {
      log.child({ session_id: s.id }).info({ reason }, 'ending session');
      const started = performance.now();
      try {
        const info = await finalizeSession(s, { pool, log, minDurationSeconds: this.#deps.config.minDurationSeconds }, reason);
        if (info.status !== 'discarded') index.add(info);
        const seconds = (performance.now() - started) / 1000;
        for (const listener of this.#finalizedListeners) {
          try {
            listener(info, s, seconds);
          } catch (err) {
            log.error({ err, session_id: s.id }, 'finalized listener failed');
          }
        }
        return info;
      } finally {
        for (const leg of s.allLegs()) ports.release(leg.receiver.port);
        this.#active.delete(s.id);
      }
    });
  }
}
