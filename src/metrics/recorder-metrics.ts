/**
 * GET /metrics (SPEC §6): Prometheus exposition from prom-client, on a
 * Registry of our own per app (never the global default), so several apps
 * can live in one process (tests) without clashing names.
 *
 * Most values are read when scraped (collect callbacks): live calls'
 * counters, ring fill, worker pool. Only finalize latency and HTTP requests
 * are observed as they happen. Nothing here runs per RTP packet.
 */
import { performance } from 'node:perf_hooks';
import type { Context, Next } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecorderPool } from '../pool/index.js';
import type { Session, SessionRegistry } from '../session/index.js';
import type { SipLevels, SipServer } from '../sip/index.js';
import type { RecordingsIndex, SessionInfo } from '../storage/index.js';
import { TrafficTotals } from './traffic-totals.js';
import type { LegTotals, TrafficSnapshot } from './traffic-totals.js';

/** What /metrics reads from the SIP server (src/sip/server.ts). */
export type SipMetricsSource = Pick<SipServer, 'stats' | 'levels'>;

const NO_SIP: SipLevels = { dialogsActive: 0, tcpConnectionsOpen: 0, serverTransactions: 0, clientTransactions: 0 };

export interface MetricsDeps {
  registry: SessionRegistry;
  pool: RecorderPool;
  index: RecordingsIndex;
}

/** Buckets for finalize latency: a short call finalizes in ms, a long one mixes for seconds. */
const FINALIZE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];
/** Methods kept as labels; anything else is "other" (bounded label values). */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** A scrape reads the live counters once, however many metrics use them. */
const SNAPSHOT_MAX_AGE_MS = 100;

export class RecorderMetrics {
  readonly registry = new Registry();
  readonly #deps: MetricsDeps;
  readonly #totals = new TrafficTotals();
  readonly #finalizeSeconds: Histogram<never>;
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpSeconds: Histogram<'method' | 'route'>;
  #snapshot: { at: number; value: TrafficSnapshot } | null = null;
  /** The SIP server's counters and levels, once it runs (null with --sip-port 0). */
  #sip: SipMetricsSource | null = null;

  constructor(deps: MetricsDeps) {
    this.#deps = deps;
    const registers = [this.registry];
    const snapshot = () => this.#traffic();

    collectDefaultMetrics({ register: this.registry });

    perLegCounter('callrec_rtp_packets_received_total', 'Datagrams that reached a leg\'s RTP socket, dropped or not, per leg.', registers, snapshot, (t) => t.datagrams);
    perLegCounter('callrec_rtp_bytes_received_total', 'Bytes of the RTP packets handed to the recorder (not dropped at the socket), per leg.', registers, snapshot, (t) => t.bytes);
    perLegCounter('callrec_rtp_packets_recorded_total', 'Audio packets placed on the timeline, per leg.', registers, snapshot, (t) => t.recorded);
    perLegCounter('callrec_rtp_packets_lost_total', 'Sequence numbers never received, per leg.', registers, snapshot, (t) => t.lost);
    new Counter({
      name: 'callrec_rtp_packets_dropped_total',
      help: 'RTP packets dropped, per leg and reason (ring_full, wrong_source, malformed, rtcp, kernel, unknown_payload_type, ...).',
      labelNames: ['leg', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const [leg, t] of snapshot().legs) for (const [reason, n] of t.dropped) this.inc({ leg, reason }, n);
      },
    });
    new Counter({
      name: 'callrec_audio_bytes_written_total',
      help: 'Bytes of WAV files written (finished calls: every file; live calls: up to the last audio written).',
      registers,
      collect() {
        this.reset();
        this.inc(snapshot().fileBytes);
      },
    });
    const totals = this.#totals;
    new Counter({
      name: 'callrec_calls_finalized_total',
      help: 'Calls ended and finalized since start.',
      registers,
      collect() {
        this.reset();
        this.inc(totals.finishedCalls);
      },
    });
    new Gauge({
      name: 'callrec_active_calls',
      help: 'Calls being recorded now.',
      registers,
      collect() {
        this.set(deps.registry.size);
      },
    });
    new Gauge({
      name: 'callrec_recordings',
      help: 'Finished recordings in the index.',
      registers,
      collect() {
        this.set(deps.index.size);
      },
    });
    ringGauge('callrec_ring_capacity_bytes', 'Packet ring size, per drain worker.', registers, deps.pool, (r) => r.capacity);
    ringGauge('callrec_ring_used_bytes', 'Bytes queued in the packet ring now, per drain worker.', registers, deps.pool, (r) => r.used);
    ringGauge('callrec_ring_high_water_bytes', 'Most bytes ever queued at once in the packet ring, per drain worker.', registers, deps.pool, (r) => r.highWater);
    new Gauge({
      name: 'callrec_worker_threads',
      help: 'Worker threads alive (drain loops plus the mix thread).',
      registers,
      collect() {
        this.set(deps.pool.state().threads);
      },
    });
    new Gauge({
      name: 'callrec_worker_queued_tasks',
      help: 'Worker tasks (mixes) waiting for a thread.',
      registers,
      collect() {
        this.set(deps.pool.state().queued);
      },
    });
    const sipStats = () => this.#sip?.stats() ?? {};
    new Counter({
      name: 'callrec_sip_events_total',
      help: 'SIP events by name: requests, responses, retransmissions, refusals and drops (see README, SIP counters).',
      labelNames: ['event'],
      registers,
      collect() {
        this.reset();
        for (const [event, n] of Object.entries(sipStats())) this.inc({ event }, n);
      },
    });
    // Levels, not counts: rate() over them would lie, so they are gauges (0 with SIP off).
    const sipLevels = () => this.#sip?.levels() ?? NO_SIP;
    new Gauge({
      name: 'callrec_sip_dialogs_active',
      help: 'SIPREC dialogs open now.',
      registers,
      collect() {
        this.set(sipLevels().dialogsActive);
      },
    });
    new Gauge({
      name: 'callrec_sip_tcp_connections_open',
      help: 'SIP TCP connections open now.',
      registers,
      collect() {
        this.set(sipLevels().tcpConnectionsOpen);
      },
    });
    new Gauge({
      name: 'callrec_sip_transactions_active',
      help: 'SIP transactions in progress, by side (server: requests we answer; client: requests we sent, e.g. BYE).',
      labelNames: ['side'],
      registers,
      collect() {
        const levels = sipLevels();
        this.set({ side: 'server' }, levels.serverTransactions);
        this.set({ side: 'client' }, levels.clientTransactions);
      },
    });
    this.#finalizeSeconds = new Histogram({
      name: 'callrec_finalize_duration_seconds',
      help: 'Hangup to finished recording: legs closed, mix written, session_info.json written.',
      buckets: FINALIZE_BUCKETS,
      registers,
    });
    this.#httpRequests = new Counter({
      name: 'callrec_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#httpSeconds = new Histogram({
      name: 'callrec_http_request_duration_seconds',
      help: 'HTTP request duration, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: HTTP_BUCKETS,
      registers,
    });

    deps.registry.onFinalized((info, session, seconds) => this.onFinalized(info, session, seconds));
  }
  /** Report the SIP server's counters and levels on /metrics. */
  setSip(sip: SipMetricsSource): void {
    this.#sip = sip;
  }


  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** A call was finalized (SessionRegistry.onFinalized). */
  onFinalized(info: SessionInfo, session: Session, finalizeSeconds: number): void {
    this.#totals.addFinished(info, session);
    this.#snapshot = null;
    this.#finalizeSeconds.observe(finalizeSeconds);
  }

  /**
   * Counts every request once its response is done (or the client went
   * away). Mounted after the error middleware: the status is the final one.
   * The route label is the matched pattern (e.g. /api/recordings/:id), never
   * the raw path, so label values stay few.
   */
  httpMiddleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const started = performance.now();
      ctx.res.once('close', () => {
        const method = HTTP_METHODS.has(ctx.method) ? ctx.method : 'other';
        const matched = ctx._matchedRoute;
        const route = typeof matched === 'string' ? matched : 'unmatched';
        this.#httpRequests.inc({ method, route, status: String(ctx.status) });
        this.#httpSeconds.observe({ method, route }, (performance.now() - started) / 1000);
      });
      await next();
    };
  }

  #traffic(): TrafficSnapshot {
    const now = performance.now();
    if (this.#snapshot === null || now - this.#snapshot.at > SNAPSHOT_MAX_AGE_MS) {
      this.#snapshot = { at: now, value: this.#totals.snapshot(this.#deps.registry.list()) };
    }
    return this.#snapshot.value;
  }
}

function perLegCounter(
  name: string,
  help: string,
  registers: Registry[],
  snapshot: () => TrafficSnapshot,
  pick: (t: LegTotals) => number,
): void {
  new Counter({
    name,
    help,
    labelNames: ['leg'],
    registers,
    collect() {
      this.reset();
      for (const [leg, t] of snapshot().legs) this.inc({ leg }, pick(t));
    },
  });
}

function ringGauge(
  name: string,
  help: string,
  registers: Registry[],
  pool: RecorderPool,
  pick: (r: ReturnType<RecorderPool['ringStats']>[number]) => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['ring'],
    registers,
    collect() {
      pool.ringStats().forEach((r, i) => this.set({ ring: String(i) }, pick(r)));
    },
  });
}
