/**
 * One bench call: created over HTTP, its two legs handed to the senders,
 * hung up over HTTP once both legs are done. Keeps what the checker and the
 * report need (what was sent, session_info, latencies).
 */
import path from 'node:path';
import type { RecordedCall, SentLeg } from './checker.js';
import { PAYLOAD_TYPE, legPlan } from './content.js';
import type { Codec } from './content.js';
import { requestJson } from './http-client.js';
import type { LegDone, SenderPool } from './sender-pool.js';

/** After a leg's last packet, time for it to reach the socket before the hangup closes it. */
export const HANGUP_GRACE_MS = 300;

interface CreateResponse {
  session_id: string;
  start_time: string;
  rtp: { incoming: { host: string; port: number }; outgoing: { host: string; port: number } };
}

export interface SessionInfoLike {
  session_id: string;
  start_time: string;
  files: Record<string, string>;
  stats?: Record<'incoming' | 'outgoing', LegStatsLike>;
  errors?: string[];
}

export interface LegStatsLike {
  packets: number;
  recorded: number;
  lost: number;
  late?: number;
  duplicates?: number;
  reanchored?: number;
  ssrc_changes?: number;
  dropped: Record<string, number>;
}

export interface RunParams {
  url: string;
  codec: Codec;
  lossThr: number;
  reorderThr: number;
  sessionsDir: string | null;
  monoToEpochMs: (ns: bigint) => number;
}

export class BenchCall {
  readonly index: number;
  sessionId = '';
  startTime = '';
  ports = { incoming: 0, outgoing: 0 };
  createMs = 0;
  hangupMs: number | null = null;
  hangupStatus = 0;
  info: SessionInfoLike | null = null;
  error: string | null = null;
  legsDone: [LegDone, LegDone] | null = null;
  readonly legIds: [number, number];

  constructor(index: number) {
    this.index = index;
    this.legIds = [index * 2, index * 2 + 1];
  }

  async create(params: RunParams): Promise<void> {
    const res = await requestJson<CreateResponse>('POST', `${params.url}/api/sessions`, {
      caller_id: `+1555${String(this.index).padStart(7, '0')}`,
      called_number: '+15559876543',
    });
    this.createMs = res.ms;
    if (res.status !== 201) throw new Error(`POST /api/sessions: ${res.status} ${JSON.stringify(res.body)}`);
    this.sessionId = res.body.session_id;
    this.startTime = res.body.start_time;
    this.ports = { incoming: res.body.rtp.incoming.port, outgoing: res.body.rtp.outgoing.port };
  }

  /** Hand both legs to the senders; resolves when both are done. */
  start(senders: SenderPool, params: RunParams, startNs: [bigint, bigint], packets: [number, number]): Promise<void> {
    const ports = [this.ports.incoming, this.ports.outgoing];
    const done = this.legIds.map((id, i) => {
      const plan = legPlan(id);
      return senders.addLeg({
        id,
        port: ports[i],
        payloadType: PAYLOAD_TYPE[params.codec],
        ssrc: plan.ssrc,
        seq0: plan.seq0,
        ts0: plan.ts0,
        contentOffset: plan.contentOffset,
        startNs: startNs[i],
        packets: packets[i],
        lossThr: params.lossThr,
        reorderThr: params.reorderThr,
      });
    });
    return Promise.all(done).then((d) => {
      this.legsDone = [d[0], d[1]];
    });
  }

  async hangup(params: RunParams): Promise<void> {
    try {
      let res;
      try {
        res = await requestJson<SessionInfoLike>('POST', `${params.url}/api/sessions/${this.sessionId}/hangup`);
      } catch (err) {
        // A keep-alive connection the server closed as we reused it: the request never arrived; send it again.
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
        res = await requestJson<SessionInfoLike>('POST', `${params.url}/api/sessions/${this.sessionId}/hangup`);
      }
      this.hangupMs = res.ms;
      this.hangupStatus = res.status;
      if (res.status === 200) this.info = res.body;
      else this.error = `hangup: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
    } catch (err) {
      this.error = `hangup: ${(err as Error).message}`;
    }
  }

  /** What the checker needs; null when the call never finished. */
  recorded(params: RunParams): RecordedCall | null {
    if (this.info === null || this.legsDone === null || params.sessionsDir === null) return null;
    const leg = (i: 0 | 1): SentLeg => {
      const done = this.legsDone![i];
      return {
        id: this.legIds[i],
        codec: params.codec,
        contentOffset: legPlan(this.legIds[i]).contentOffset,
        due: done.due,
        lossThr: params.lossThr,
        firstSendEpochMs: done.firstSendNs === 0n ? Number.NaN : params.monoToEpochMs(done.firstSendNs),
      };
    };
    return {
      sessionId: this.sessionId,
      dir: path.join(params.sessionsDir, this.sessionId),
      files: this.info.files,
      startTime: this.info.start_time,
      legs: { incoming: leg(0), outgoing: leg(1) },
    };
  }
}
