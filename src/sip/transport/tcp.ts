/**
 * SIP over TCP (RFC 3261 §18.3): a listener on --rtp-host:--sip-port, one
 * SipStreamFramer per connection. SBCs keep connections open and send
 * CRLFCRLF pings (answered with CRLF, RFC 5626 §3.5.1).
 *
 * Nothing a peer sends can make us buffer without bound or wait forever:
 * framing errors and oversized messages close the connection; so does a
 * message left half-sent for `partialTimeoutMs`, a new connection that sends
 * no message within that time, one silent for `idleTimeoutMs`, or one that
 * does not read our writes. At most `maxConnections` are open: a new one
 * evicts the one quiet for longest. Every close for cause is counted.
 */
import net from 'node:net';
import { SipStreamFramer } from '../message/stream-framer.js';
import type { SipCounters } from '../stats.js';
import type { FallbackTarget, Flow, MessageHandler, SipTransport } from './flow.js';

export interface TcpLimits {
  maxConnections: number;
  partialTimeoutMs: number;
  idleTimeoutMs: number;
  maxWriteBufferBytes: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 1024,
  partialTimeoutMs: 10_000,
  idleTimeoutMs: 15 * 60_000,
  maxWriteBufferBytes: 1024 * 1024,
};

const SWEEP_MS = 1000;
const PONG = Buffer.from('\r\n');

interface Connection {
  id: number;
  socket: net.Socket;
  framer: SipStreamFramer;
  lastDataAt: number;
  /** When the bytes now pending began to arrive (0: nothing pending). */
  partialSince: number;
  openedAt: number;
  messages: number;
}

export class TcpTransport implements SipTransport {
  readonly name = 'tcp' as const;
  readonly #server: net.Server;
  readonly #connections = new Map<number, Connection>();
  readonly #onMessage: MessageHandler;
  readonly #counters: SipCounters;
  readonly #limits: TcpLimits;
  #nextId = 1;
  #sweep: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(server: net.Server, onMessage: MessageHandler, counters: SipCounters, limits: TcpLimits) {
    this.#server = server;
    this.#onMessage = onMessage;
    this.#counters = counters;
    this.#limits = limits;
  }

  static listen(host: string, port: number, onMessage: MessageHandler, counters: SipCounters, limits: Partial<TcpLimits> = {}): Promise<TcpTransport> {
    const server = net.createServer();
    const transport = new TcpTransport(server, onMessage, counters, { ...DEFAULT_TCP_LIMITS, ...limits });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => counters.inc('tcp_server_errors'));
        server.on('connection', (socket) => transport.#accept(socket));
        transport.#sweep = setInterval(() => transport.#sweepConnections(), SWEEP_MS);
        transport.#sweep.unref();
        resolve(transport);
      });
    });
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  #accept(socket: net.Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#limits.maxConnections) this.#evictIdlest();
    this.#counters.inc('tcp_connections');
    this.#register(socket);
  }

  #register(socket: net.Socket): Connection {
    const now = Date.now();
    const conn: Connection = { id: this.#nextId++, socket, framer: new SipStreamFramer(), lastDataAt: now, partialSince: 0, openedAt: now, messages: 0 };
    this.#connections.set(conn.id, conn);
    socket.setNoDelay(true);
    socket.on('error', () => this.#counters.inc('tcp_socket_errors'));
    socket.on('close', () => this.#connections.delete(conn.id));
    socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
    return conn;
  }

  #onData(conn: Connection, chunk: Buffer): void {
    const now = Date.now();
    conn.lastDataAt = now;
    this.#counters.inc('tcp_bytes', chunk.length);
    const error = conn.framer.push(chunk, {
      message: (bytes) => {
        conn.messages++;
        this.#counters.inc('tcp_messages');
        const flow: Flow = { transport: 'tcp', address: conn.socket.remoteAddress ?? '', port: conn.socket.remotePort ?? 0, connection: conn.id };
        this.#onMessage(bytes, flow);
      },
      ping: () => {
        this.#counters.inc('keepalives');
        this.#write(conn, PONG);
      },
    });
    if (error !== null) {
      this.#counters.inc(`tcp_closed_${error}`);
      conn.socket.destroy();
      return;
    }
    conn.partialSince = conn.framer.pending === 0 ? 0 : conn.partialSince || now;
  }

  #sweepConnections(): void {
    const now = Date.now();
    for (const conn of this.#connections.values()) {
      const stalled = conn.partialSince !== 0 && now - conn.partialSince > this.#limits.partialTimeoutMs;
      const silent = conn.messages === 0 && now - conn.openedAt > this.#limits.partialTimeoutMs;
      if (stalled || silent) {
        this.#counters.inc('tcp_closed_half_open');
        conn.socket.destroy();
      } else if (now - conn.lastDataAt > this.#limits.idleTimeoutMs) {
        this.#counters.inc('tcp_closed_idle');
        conn.socket.destroy();
      }
    }
  }

  /** At the connection cap, the connection quiet for longest makes room (so a flood cannot lock peers out). */
  #evictIdlest(): void {
    let idlest: Connection | null = null;
    for (const c of this.#connections.values()) if (idlest === null || c.lastDataAt < idlest.lastDataAt) idlest = c;
    if (idlest === null) return;
    this.#counters.inc('tcp_closed_evicted');
    this.#connections.delete(idlest.id);
    idlest.socket.destroy();
  }

  #write(conn: Connection, bytes: Buffer): boolean {
    if (conn.socket.destroyed || !conn.socket.writable) return false;
    if (conn.socket.writableLength > this.#limits.maxWriteBufferBytes) {
      this.#counters.inc('tcp_closed_slow_reader');
      conn.socket.destroy();
      return false;
    }
    conn.socket.write(bytes);
    return true;
  }

  /**
   * Send on the flow's connection; when it is gone and a fallback is given,
   * open a new connection there (RFC 3261 §18.2.2 for responses, the remote
   * target for requests).
   */
  send(flow: Flow, bytes: Buffer, fallback?: FallbackTarget): boolean {
    const conn = flow.connection === null ? undefined : this.#connections.get(flow.connection);
    if (conn !== undefined && this.#write(conn, bytes)) return true;
    if (fallback === undefined || this.#closed) {
      this.#counters.inc('tcp_send_failures');
      return false;
    }
    if (this.#connections.size >= this.#limits.maxConnections) this.#evictIdlest();
    this.#counters.inc('tcp_outbound_connections');
    const socket = net.connect({ host: fallback.host, port: fallback.port });
    const out = this.#register(socket);
    socket.write(bytes);
    flow.connection = out.id;
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweep !== null) clearInterval(this.#sweep);
    const closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const sockets = [...this.#connections.values()].map((c) => c.socket);
    // Let queued writes (BYEs at shutdown) go out, then make sure nothing lingers.
    for (const s of sockets) s.end();
    await new Promise((r) => setTimeout(r, 100).unref());
    for (const s of sockets) s.destroy();
    await closing;
  }
}
