/**
 * Wires the recorder together and starts it: sessions dir, index, worker
 * pool, HTTP. Returns a handle whose close() is the graceful shutdown
 * (stop taking calls, finalize every active call, stop the workers).
 */
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createApp } from './api/index.js';
import { answerClientError } from './api/client-error.js';
import { settingSource } from './config.js';
import type { Config } from './config.js';
import { callrecError } from './errors.js';
import { PortPool, chooseRtpIo } from './ingest/index.js';
import type { Logger } from './log.js';
import { RecorderMetrics } from './metrics/index.js';
import { RecorderPool } from './pool/index.js';
import { RecordingDeleter, RetentionSweeper } from './retention/index.js';
import { SessionRegistry } from './session/index.js';
import { startSipServer } from './sip/index.js';
import type { SipServer } from './sip/index.js';
import { RecordingsIndex, recoverSessions, scanSessionsDir } from './storage/index.js';
import { WebhookNotifier } from './webhook/index.js';
import { OnCompleteRunner } from './hooks/index.js';
import { acquireSessionsLock } from './storage/sessions-lock.js';
import { probeRtpHost } from './startup/rtp-host-probe.js';
import { explainSipBindError } from './startup/port-clash.js';
import { checkCommandProgram } from './startup/command-check.js';

/** 32 MiB per ring: ~180k packets, i.e. ~1.8 s of 1,000 calls if a worker stalls (bench/README.md). */
const RING_BYTES = 32 * 1024 * 1024;

export interface Recorder {
  httpPort: number;
  registry: SessionRegistry;
  /** The SIP/SIPREC server, or null with --sip-port 0. */
  sip: SipServer | null;
  close(): Promise<void>;
}

/**
 * Test only (no flag, not in --help): CALLREC_TEST_WEBHOOK_BACKOFF_MS makes
 * the first webhook retry come after that many ms (capped at 8×) instead of 1 s.
 */
function webhookTestBackoff(): { initialDelayMs: number; maxDelayMs: number } | undefined {
  const ms = Number(process.env.CALLREC_TEST_WEBHOOK_BACKOFF_MS);
  return Number.isFinite(ms) && ms > 0 ? { initialDelayMs: ms, maxDelayMs: ms * 8 } : undefined;
}

/**
 * mkdir -p without { recursive: true }: Node's loops forever where mkdir
 * answers ENOENT with the parent present (/proc/foo), and reports ENOENT,
 * not EROFS, on a read-only file system. Each level is tried once.
 */
async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeDirs(parent);
  }
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

const FS_REASONS: Record<string, string> = {
  EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory', ENOSPC: 'no space left on device', ENOENT: 'cannot be created there',
};

async function checkSessionsDir(dir: string): Promise<void> {
  try {
    await makeDirs(path.resolve(dir));
    const probe = path.join(dir, `.callrec-write-test-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === undefined ? (err as Error).message : `${FS_REASONS[code] ?? code} (${code})`;
    throw callrecError('CALLREC_ERR_CONFIG', `--sessions-dir: ${dir} is not writable: ${reason}`);
  }
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(callrecError('CALLREC_ERR_CONFIG', `--http-port: cannot listen on ${host}:${port} (${err.code ?? err.message})`)),
    );
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

export async function startRecorder(config: Config, log: Logger): Promise<Recorder> {
  await checkSessionsDir(config.sessionsDir);
  // Before anything listens: a bad --rtp-host would otherwise fail every call, not the start.
  await probeRtpHost(config.rtpHost, settingSource(config, 'rtp-host'));
  if (config.onComplete !== null) await checkCommandProgram(config.onComplete[0], settingSource(config, 'on-complete'));
  const rtpIo = chooseRtpIo(config.rtpIo);
  if (rtpIo.warning !== null) log.warn(rtpIo.warning);
  const ports = new PortPool(config.rtpPortMin, config.rtpPortMax);
  const index = new RecordingsIndex(config.sessionsDir);
  const pool = new RecorderPool({
    workers: config.workers,
    slots: ports.size,
    ringBytes: config.testRingBytes || RING_BYTES,
    log,
    slowPacketMs: config.testSlowPacketMs,
    onWriteError: (slot, code) => {
      const owner = registry.bySlot(slot);
      if (owner === null) return;
      // Logged once per call, however many writes fail; finalize puts each leg's failure in the metadata.
      if (!owner.session.writeFailureLogged) {
        owner.session.writeFailureLogged = true;
        log.child({ session_id: owner.session.id }).error({ leg: owner.leg, code }, `recording write failed on ${owner.leg} leg: ${code}`);
      }
    },
  });
  const registry = new SessionRegistry({ config, pool, ports, index, log });
  const webhooks = new WebhookNotifier({
    sessionsDir: config.sessionsDir, index, log, url: config.webhookUrl, secret: config.webhookSecret, ...webhookTestBackoff(),
  });
  const hooks = config.onComplete === null ? null : new OnCompleteRunner({
    command: config.onComplete, timeoutSeconds: config.onCompleteTimeoutSeconds, concurrency: config.onCompleteConcurrency,
    sessionsDir: config.sessionsDir, index, log,
  });
  registry.onFinalized((info, session) => {
    const webhookUrl = session.extraInfo.webhook_url;
    if (info.status === 'discarded') {
      webhooks.notifyDiscarded(info.session_id, String(info.discard_reason ?? 'discarded'), { info, webhookUrl });
      return;
    }
    webhooks.notifyFinished(info, 'recording.completed', webhookUrl);
    hooks?.enqueue(info.session_id);
  });

  const deleter = new RecordingDeleter({ index, sessions: registry, sessionsDir: config.sessionsDir, log });
  const metrics = new RecorderMetrics({ registry, pool, index });
  const app = createApp({
    registry, index, pool, sessionsDir: config.sessionsDir, log, apiToken: config.apiToken, deleter, metrics, webhookAllow: config.webhookAllow,
  });
  // Until start-up is done (index built, crashed sessions recovered) every request gets 503.
  let ready = false;
  const handle = app.callback();
  const server = http.createServer((req, res) => {
    if (ready) return void handle(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ status: 'error', error: 'starting up', code: 'CALLREC_ERR_SHUTTING_DOWN' }));
  });
  server.on('clientError', answerClientError);
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  let httpPort: number;
  try {
    httpPort = await listen(server, config.httpHost, config.httpPort);
  } catch (err) {
    await pool.close();
    throw err;
  }
  // Both control ports are bound before anything on disk is touched: a port in use is a config error.
  let sip: SipServer | null = null;
  let lock;
  try {
    if (config.sipPort !== 0) sip = await startSipServer({ config, registry, log, isReady: () => ready });
    if (sip !== null) metrics.setSip(sip);
    lock = await acquireSessionsLock(config.sessionsDir);
  } catch (err) {
    await sip?.close();
    server.close();
    await Promise.all([webhooks.close(), hooks?.close()]);
    await pool.close();
    throw explainSipBindError(err, config, httpPort);
  }
  const scan = await scanSessionsDir(config.sessionsDir);
  index.addAll(scan.finished);
  for (const bad of scan.unreadable) log.warn(bad, 'skipping a session directory without readable metadata');
  const recovered = await recoverSessions(scan.unfinished, { pool, log, sessionsDir: config.sessionsDir });
  for (const info of recovered) index.add(info);
  log.info({ recordings: index.size, recovered: recovered.length }, 'recordings indexed');
  await webhooks.start();
  hooks?.resume(scan.finished);
  for (const info of recovered) {
    webhooks.notifyFinished(info, 'recording.recovered');
    hooks?.enqueue(info.session_id);
  }
  ready = true;
  deleter.removeLeftovers().catch((err) => log.warn({ err }, 'could not remove leftovers of interrupted deletions'));
  registry.startTimeoutSweep();
  const retention = config.retentionDays === null ? null : new RetentionSweeper({ index, deleter, retentionDays: config.retentionDays, log });
  retention?.start();
  log.info({ http: `${config.httpHost}:${httpPort}`, rtp_ports: `${config.rtpPortMin}-${config.rtpPortMax}`, workers: config.workers, rtp_io: rtpIo.io }, 'callrec ready');

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await sip?.close();
      log.info({ active_calls: registry.size }, 'shutting down: finalizing active calls');
      server.close();
      retention?.stop();
      await registry.shutdown();
      await Promise.all([webhooks.close(), hooks?.close()]);
      await pool.close();
      server.closeAllConnections();
      await lock.release();
      log.info('shutdown complete');
    })();
    return closing;
  };
  return { httpPort, registry, sip, close };
}
