/**
 * The active sessions: creating them (id, ports, sockets, directory, OPEN,
 * first metadata), finding them, ending them (API, RTP timeout, shutdown),
 * and handing finished ones to the recordings index.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { callrecError } from '../errors.js';
import { LegReceiver, PortPool } from '../ingest/index.js';
import type { Logger } from '../log.js';
import type { RecorderPool } from '../pool/index.js';
import { DEFAULT_TELEPHONE_EVENT_PT } from '../rtp/index.js';
import { audioFileName, fileStamp, isValidSessionId, isoMicros, sessionDir, writeSessionInfo } from '../storage/index.js';
import type { RecordingsIndex, SessionInfo } from '../storage/index.js';
import { baseInfo, finalizeSession } from './finalize.js';
import { LEG_NAMES, Session } from './session.js';
import type { LegName, PauseBehavior, SessionLeg } from './session.js';

/** Binding attempts per leg before giving up (ports taken by other programs). */
const BIND_ATTEMPTS = 16;
const TIMEOUT_SWEEP_MS = 1000;

export interface CreateSessionRequest {
  sessionId?: string;
  callerId: string;
  calledNumber: string;
  source: 'http' | 'sip';
  /** telephone-event payload type per leg (negotiated by SIP); default 101. */
  telephoneEventPt?: number;
  /** More metadata for session_info.json (e.g. `siprec`, `sip_call_id`). */
  extraInfo?: Record<string, unknown>;
  /** Also write the stereo file at hangup (default: --stereo). */
  stereo?: boolean;
}

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
    const { config, pool, ports, index } = this.#deps;
    const id = req.sessionId ?? randomUUID();
    if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_INVALID_ID', 'session_id must match ^[A-Za-z0-9._-]{1,64}$');
    if (this.#active.has(id) || this.#reserved.has(id) || index.has(id)) {
      throw callrecError('CALLREC_ERR_SESSION_EXISTS', `session_id "${id}" is already in use or recorded`);
    }
    this.#reserved.add(id);
    const dir = sessionDir(config.sessionsDir, id);
    const receivers: LegReceiver[] = [];
    let dirMade = false;
    try {
      try {
        await mkdir(dir);
        dirMade = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw callrecError('CALLREC_ERR_SESSION_EXISTS', `session_id "${id}" is already recorded`);
        }
        throw err;
      }
      const startPerfMs = performance.now();
      const startEpochMs = performance.timeOrigin + startPerfMs;
      for (let i = 0; i < LEG_NAMES.length; i++) receivers.push(await this.#bindLeg(startPerfMs));

      const legs = {} as Record<LegName, SessionLeg>;
      LEG_NAMES.forEach((name, i) => {
        const fileName = audioFileName(name, startEpochMs);
        const receiver = receivers[i];
        legs[name] = { name, fileKey: `${name}_audio`, receiver, counters: pool.counterView(receiver.slot), fileName, path: path.join(dir, fileName) };
      });
      const session = new Session({
        id,
        callerId: req.callerId,
        calledNumber: req.calledNumber,
        source: req.source,
        startEpochMs,
        startIso: isoMicros(startEpochMs),
        startPerfMs,
        dir,
        legs,
        announceHost: config.publicHost,
        extraInfo: req.extraInfo,
        stereo: req.stereo ?? config.stereo,
      });
      await writeSessionInfo(dir, baseInfo(session));
      const telephoneEventPt = req.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
      // OPEN goes into each ring before the first packet can: receiving starts after.
      await Promise.all(LEG_NAMES.map((name) => pool.openLeg(legs[name].receiver.slot, { path: legs[name].path, telephoneEventPt })));
      for (const receiver of receivers) receiver.start();
      this.#active.set(id, session);
      this.#log.child({ session_id: id }).info(
        { rtp: session.toJSON().rtp, caller_id: req.callerId, called_number: req.calledNumber, source: req.source },
        `🎙️ Recording initialized for session ${id}`,
      );
      return session;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'EIO' || code === 'EACCES') {
        err = callrecError('CALLREC_ERR_STORAGE', `cannot write to the sessions directory (${code})`, err);
      }
      for (const receiver of receivers) {
        await receiver.close();
        ports.release(receiver.port);
      }
      if (dirMade) await rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      this.#reserved.delete(id);
    }
  }

  /** End an active session (a second call while it ends gets the same result); 404 when unknown or ended. */
  hangup(id: string, reason: string): Promise<SessionInfo> {
    const session = this.#active.get(id);
    if (session === undefined) throw callrecError('CALLREC_ERR_NOT_FOUND', `no active session "${id}"`);
    return this.#end(session, reason);
  }

  /**
   * Pause recording (PCI): from now on every datagram of the call is dropped
   * on arrival, so paused audio never reaches a ring or the disk. Pausing a
   * paused call changes nothing. Returns the session.
   */
  pause(id: string, behavior: PauseBehavior): Session {
    const session = this.#activeOr404(id);
    if (session.currentPause() !== null) return session;
    session.pauses.push({ behavior, startEpochMs: performance.timeOrigin + performance.now(), endEpochMs: null });
    session.setReceiving(false);
    this.#log.child({ session_id: id }).info({ behavior }, `⏸️ Recording paused for session ${id}`);
    return session;
  }

  /**
   * Resume recording. After a `skip` pause every leg's timeline moves back by
   * the paused span (in order with its packets), so the span is left out of
   * every file and the legs stay aligned.
   */
  async resume(id: string): Promise<Session> {
    const session = this.#activeOr404(id);
    const open = session.currentPause();
    if (open === null) return session;
    open.endEpochMs = performance.timeOrigin + performance.now();
    if (open.behavior === 'skip') {
      const samples = Math.round((open.endEpochMs - open.startEpochMs) * 8);
      session.skippedMs += samples / 8;
      for (const leg of session.allLegs()) leg.receiver.shiftOrigin(samples / 8);
      await Promise.all(session.allLegs().map((leg) => this.#deps.pool.shiftLeg(leg.receiver.slot, samples)));
    }
    if (!session.discarded) session.setReceiving(true);
    this.#log.child({ session_id: id }).info({ behavior: open.behavior }, `▶️ Recording resumed for session ${id}`);
    return session;
  }

  /**
   * Drop a call's recording on request: nothing more is recorded, and the
   * files written so far are deleted now (the call itself goes on until it
   * ends). Discarding a discarded call changes nothing.
   */
  async discard(id: string): Promise<Session> {
    const session = this.#activeOr404(id);
    if (session.discarded) return session;
    session.discarded = true;
    session.setReceiving(false);
    await rm(session.dir, { recursive: true, force: true });
    this.#log.child({ session_id: id }).info(`🗑️ Recording discarded on request for session ${id}`);
    return session;
  }

  /**
   * Record one more stream in a live session (a SIPREC offer's third audio
   * m-line and beyond): its own port, `extra_<label>_YYYYMMDD_HHMMSS.wav` on
   * the session's timeline, averaged into the mix at hangup.
   */
  async addStream(id: string, label: string, telephoneEventPt = DEFAULT_TELEPHONE_EVENT_PT): Promise<SessionLeg> {
    const session = this.#activeOr404(id);
    const { pool, ports } = this.#deps;
    const safe = label.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || 'stream';
    let name = `extra_${safe}`;
    for (let n = 2; session.allLegs().some((l) => l.name === name); n++) name = `extra_${safe}_${n}`;
    const receiver = await this.#bindLeg(session.startPerfMs);
    if (session.state !== 'active') {
      await receiver.close();
      ports.release(receiver.port);
      throw callrecError('CALLREC_ERR_NOT_FOUND', `session "${id}" ended`);
    }
    receiver.shiftOrigin(session.skippedMs);
    const fileName = `${name}_${fileStamp(session.startEpochMs)}.wav`;
    const leg: SessionLeg = {
      name,
      fileKey: `${name}_audio`,
      receiver,
      counters: pool.counterView(receiver.slot),
      fileName,
      path: path.join(session.dir, fileName),
    };
    session.extraLegs.push(leg);
    await pool.openLeg(receiver.slot, { path: leg.path, telephoneEventPt });
    if (session.currentPause() !== null || session.discarded) receiver.paused = true;
    receiver.start();
    // So that a crash now still finds (and recovers) the new file.
    await writeSessionInfo(session.dir, baseInfo(session)).catch(() => {});
    this.#log.child({ session_id: id }).info({ leg: name, port: receiver.port }, `extra stream ${name} added`);
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
          this.#end(session, 'rtp_timeout').catch(() => {});
        }
      }
    }, TIMEOUT_SWEEP_MS);
    this.#sweep.unref();
  }

  stopTimeoutSweep(): void {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  #activeOr404(id: string): Session {
    const session = this.#active.get(id);
    if (session === undefined || session.state !== 'active') throw callrecError('CALLREC_ERR_NOT_FOUND', `no active session "${id}"`);
    return session;
  }

  #end(session: Session, reason: string): Promise<SessionInfo> {
    const { pool, ports, index, log } = this.#deps;
    return session.hangup(async (s) => {
      log.child({ session_id: s.id }).info({ reason }, 'ending session');
      const started = performance.now();
      try {
        const info = await finalizeSession(s, { pool, log, minDurationSeconds: this.#deps.config.minDurationSeconds });
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

  async #bindLeg(startPerfMs: number): Promise<LegReceiver> {
    const { config, pool, ports } = this.#deps;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const port = ports.take();
      if (port === null) break;
      const slot = ports.slotOf(port);
      const receiver = new LegReceiver(slot, port, pool.producerFor(slot), startPerfMs);
      try {
        await receiver.bind(config.rtpHost);
        return receiver;
      } catch (err) {
        await receiver.close();
        ports.release(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      }
    }
    throw callrecError('CALLREC_ERR_NO_PORTS');
  }
}
