/**
 * startSipServer: the SIPREC recording server on UDP and TCP --sip-port,
 * bound to --rtp-host. Wires transports → user agent core → registry, and a
 * one-second sweep that sends BYE for calls the recorder ended by itself
 * (RTP timeout, API hangup). close() stops taking calls, sends BYE on every
 * live dialog, then closes the sockets; the registry finalizes the calls.
 */
import { settingSource } from '../config.js';
import type { Config } from '../config.js';
import { callrecError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SessionRegistry } from '../session/index.js';
import { RecordingUas } from './srs/uas.js';
import { SipCounters } from './stats.js';
import { ClientTransactionTable } from './transaction/client-transactions.js';
import type { SendFn } from './transaction/server-transactions.js';
import { RFC3261_TIMERS } from './transaction/timers.js';
import type { SipTimers } from './transaction/timers.js';
import type { Flow } from './transport/flow.js';
import { TcpTransport } from './transport/tcp.js';
import type { TcpLimits } from './transport/tcp.js';
import { UdpTransport } from './transport/udp.js';

const SWEEP_MS = 1000;

export interface SipServerDeps {
  config: Config;
  registry: SessionRegistry;
  log: Logger;
  /** RFC 3261 timers (tests shrink them). */
  timers?: SipTimers;
  tcpLimits?: Partial<TcpLimits>;
  /**
   * False while the recorder is still starting (index, crash recovery): new
   * calls and OPTIONS get 503 with Retry-After, so nothing is recorded into a
   * directory that start-up is still scanning. Default: always ready.
   */
  isReady?: () => boolean;
}

/** What is open now: levels that go down as well as up, so /metrics has them as gauges, not counters. */
export interface SipLevels {
  dialogsActive: number;
  tcpConnectionsOpen: number;
  serverTransactions: number;
  clientTransactions: number;
}

export interface SipServer {
  /** Stop taking calls, BYE live dialogs, close the sockets. Idempotent. */
  close(): Promise<void>;
  /** Event counters (see README "SIP / SIPREC"): they only go up. */
  stats(): Record<string, number>;
  levels(): SipLevels;
}

export async function startSipServer(deps: SipServerDeps): Promise<SipServer> {
  const { config, registry } = deps;
  const log = deps.log.child({ mod: 'sip' });
  const host = config.rtpHost;
  const port = config.sipPort;
  const timers = deps.timers ?? RFC3261_TIMERS;
  const counters = new SipCounters();
  let udp: UdpTransport | null = null;
  let tcp: TcpTransport | null = null;
  const send: SendFn = (flow, bytes, fallback) => {
    counters.inc('messages_sent');
    if (flow.transport === 'udp') udp?.send(flow, bytes);
    else tcp?.send(flow, bytes, fallback);
  };
  const clientTx = new ClientTransactionTable({ send, timers, counters });
  const uas = new RecordingUas({ registry, log, counters, timers, send, clientTx, local: { host: config.publicHost, port }, isReady: deps.isReady });
  const onMessage = (bytes: Buffer, flow: Flow) => uas.receive(bytes, flow);

  const bindError = (err: unknown) =>
    callrecError('CALLREC_ERR_CONFIG', `${settingSource(config, 'sip-port')}: cannot listen on ${host}:${port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, err);
  try {
    udp = await UdpTransport.bind(host, port, onMessage, counters);
  } catch (err) {
    throw bindError(err);
  }
  try {
    tcp = await TcpTransport.listen(host, port, onMessage, counters, deps.tcpLimits);
  } catch (err) {
    await udp.close();
    throw bindError(err);
  }
  const sweep = setInterval(() => uas.sweep(), SWEEP_MS);
  sweep.unref();
  log.info({ sip: `${host}:${port}`, transports: ['udp', 'tcp'] }, 'SIP recording server listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(sweep);
      uas.close();
      clientTx.close();
      await Promise.all([udp?.close(), tcp?.close()]);
      log.info(counters.snapshot(), 'SIP recording server closed');
    })();
    return closing;
  };
  const levels = (): SipLevels => ({
    dialogsActive: uas.dialogs.size,
    tcpConnectionsOpen: tcp?.connectionCount ?? 0,
    serverTransactions: uas.serverTx.size,
    clientTransactions: clientTx.size,
  });
  return { close, stats: () => counters.snapshot(), levels };
}
