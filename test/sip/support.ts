/**
 * Live-test helpers: a free SIP port in a suite's range (35060-35099 unless
 * the file has a range of its own), a
 * recorder with SIP on, and a tiny SIP client over UDP or TCP that keeps
 * every message it receives and waits for the one a test expects.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { getHeader, parseSipMessage, SipStreamFramer } from '../../src/sip/index.js';
import type { SipMessage, SipResponse } from '../../src/sip/index.js';
import { startServer } from '../helpers/server.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntilFound } from '../helpers/wait.js';
import { sipMessage } from './fixtures/build.js';

export const SIP_PORT_RANGE = [35060, 35099] as const;
const taken = new Set<number>();

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port in `range` (default 35060-35099) free on UDP and TCP (not handed out before in this process). */
export async function freeSipPort(range: readonly [number, number] = SIP_PORT_RANGE): Promise<number> {
  for (let port = range[0]; port <= range[1]; port++) {
    if (taken.has(port)) continue;
    if ((await udpFree(port)) && (await tcpFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free SIP port in ${range[0]}-${range[1]}`);
}

export interface SipRecorder {
  server: ServerProcess;
  sipPort: number;
}

/** callrec with SIP on a free port of ours. */
export async function startSipRecorder(opts: {
  sessionsDir: string;
  rtpPorts: string;
  rtpTimeoutSeconds?: number;
  args?: string[];
  sipPorts?: readonly [number, number];
}): Promise<SipRecorder> {
  const sipPort = await freeSipPort(opts.sipPorts);
  const server = await startServer({
    sessionsDir: opts.sessionsDir,
    rtpPorts: opts.rtpPorts,
    rtpTimeoutSeconds: opts.rtpTimeoutSeconds,
    args: ['--sip-port', String(sipPort), ...(opts.args ?? [])],
  });
  await server.waitForLog((l) => l.msg === 'SIP recording server listening');
  return { server, sipPort };
}

export type Transport = 'udp' | 'tcp';

export class SipClient {
  readonly transport: Transport;
  readonly received: SipMessage[] = [];
  localPort = 0;
  #udp: dgram.Socket | null = null;
  #tcp: net.Socket | null = null;
  readonly #target: number;
  readonly #waiters = new Set<() => void>();

  private constructor(transport: Transport, target: number) {
    this.transport = transport;
    this.#target = target;
  }

  static async open(transport: Transport, target: number): Promise<SipClient> {
    const c = new SipClient(transport, target);
    if (transport === 'udp') {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.on('message', (m) => c.#take(m));
      c.#udp = s;
      c.localPort = s.address().port;
    } else {
      const framer = new SipStreamFramer();
      const s = net.connect({ host: '127.0.0.1', port: target });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('error', reject);
      });
      s.on('error', () => {});
      s.on('data', (chunk: Buffer) => framer.push(chunk, { message: (b) => c.#take(b), ping: () => {} }));
      c.#tcp = s;
      c.localPort = s.localPort ?? 0;
    }
    return c;
  }

  get viaTransport(): string {
    return this.transport.toUpperCase();
  }

  send(bytes: Buffer | string): void {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    if (this.#udp) this.#udp.send(b, this.#target, '127.0.0.1');
    else this.#tcp!.write(b);
  }

  #take(bytes: Buffer): void {
    const r = parseSipMessage(bytes, { datagram: this.transport === 'udp' });
    if (!r.ok) return;
    this.received.push(r.message);
    for (const w of [...this.#waiters]) w();
  }

  /** Responses received so far with this status and CSeq (e.g. "1 INVITE"). */
  responses(status: number, cseq?: string): SipResponse[] {
    return this.received.filter(
      (m): m is SipResponse => m.kind === 'response' && m.status === status && (cseq === undefined || getHeader(m, 'cseq') === cseq),
    );
  }

  /** Wait until `pred` holds for some received message; resolve with it. */
  waitFor<T extends SipMessage>(pred: (m: SipMessage) => m is T, timeoutMs?: number): Promise<T>;
  waitFor(pred: (m: SipMessage) => boolean, timeoutMs?: number): Promise<SipMessage>;
  waitFor(pred: (m: SipMessage) => boolean, timeoutMs = 5000): Promise<SipMessage> {
    return waitUntilFound(
      this.#waiters,
      () => this.received.find(pred),
      timeoutMs,
      () => new Error(`no matching SIP message within ${timeoutMs} ms; got: ${this.received.map(describe).join(' | ')}`),
    );
  }

  waitForResponse(status: number, cseq: string, timeoutMs = 5000): Promise<SipResponse> {
    return this.waitFor((m): m is SipResponse => m.kind === 'response' && m.status === status && getHeader(m, 'cseq') === cseq, timeoutMs) as Promise<SipResponse>;
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.destroy();
  }
}

export function describe(m: SipMessage): string {
  return m.kind === 'response' ? `${m.status} ${getHeader(m, 'cseq')}` : `${m.method} ${getHeader(m, 'cseq')}`;
}

/** Poll `fn` until it returns a value that is not undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The session_info.json whose sip_call_id is `callId`, or undefined. */
export async function sessionInfoByCallId(sessionsDir: string, callId: string): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { readdir, readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  for (const entry of await readdir(sessionsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      const info = JSON.parse(await readFile(path.join(sessionsDir, entry.name, 'session_info.json'), 'utf8'));
      if (info.sip_call_id === callId) return info;
    } catch {
      // not a session directory (yet)
    }
  }
  return undefined;
}

/** A request inside the dialog that `ok` (the 200 to an INVITE) set up: ACK, BYE, re-INVITE… */
export function inDialog(c: SipClient, sipPort: number, ok: SipResponse, method: string, cseq: number, branch: string): Buffer {
  return sipMessage([
    `${method} sip:srs@127.0.0.1:${sipPort} SIP/2.0`,
    `Via: SIP/2.0/${c.viaTransport} 127.0.0.1:${c.localPort};branch=${branch}`,
    'Max-Forwards: 70',
    `From: ${getHeader(ok, 'from')}`,
    `To: ${getHeader(ok, 'to')}`,
    `Call-ID: ${getHeader(ok, 'call-id')}`,
    `CSeq: ${cseq} ${method}`,
  ]);
}
