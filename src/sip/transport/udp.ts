/**
 * SIP over UDP (RFC 3261 §18): one socket on --rtp-host:--sip-port. Each
 * datagram is one message; keep-alive CRLFs and STUN (RFC 5626 §4.4.1)
 * are counted and ignored, oversized datagrams dropped. Responses go back
 * to the datagram's source address and port (symmetric, RFC 3581).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { SIP_LIMITS } from '../message/parse.js';
import type { SipCounters } from '../stats.js';
import type { Flow, MessageHandler, SipTransport } from './flow.js';

const RECV_BUFFER_BYTES = 1024 * 1024;
const STUN_MAGIC_COOKIE = 0x2112a442;

function isLineEndsOnly(msg: Buffer): boolean {
  for (const b of msg) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

function isStun(msg: Buffer): boolean {
  return msg.length >= 20 && msg[0] < 2 && msg.readUInt32BE(4) === STUN_MAGIC_COOKIE;
}

export class UdpTransport implements SipTransport {
  readonly name = 'udp' as const;
  readonly #socket: dgram.Socket;
  readonly #counters: SipCounters;
  #pendingSends = 0;

  private constructor(socket: dgram.Socket, counters: SipCounters) {
    this.#socket = socket;
    this.#counters = counters;
  }

  /** Bind and start delivering messages; rejects with the OS error (EADDRINUSE…). */
  static bind(host: string, port: number, onMessage: MessageHandler, counters: SipCounters): Promise<UdpTransport> {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', () => counters.inc('udp_socket_errors'));
        socket.on('message', (msg, rinfo) => {
          counters.inc('udp_datagrams');
          if (msg.length > SIP_LIMITS.maxMessageBytes) return counters.inc('dropped_oversized');
          if (isLineEndsOnly(msg)) return counters.inc('keepalives');
          if (isStun(msg)) return counters.inc('dropped_stun');
          const flow: Flow = { transport: 'udp', address: rinfo.address, port: rinfo.port, connection: null };
          onMessage(msg, flow);
        });
        resolve(new UdpTransport(socket, counters));
      });
    });
  }

  send(flow: Flow, bytes: Buffer): boolean {
    this.#pendingSends++;
    try {
      this.#socket.send(bytes, flow.port, flow.address, (err) => {
        this.#pendingSends--;
        if (err) this.#counters.inc('udp_send_errors');
      });
      return true;
    } catch {
      this.#pendingSends--;
      this.#counters.inc('udp_send_errors');
      return false;
    }
  }

  /** Close after queued sends went out (at most ~200 ms). */
  async close(): Promise<void> {
    for (let i = 0; i < 20 && this.#pendingSends > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
