/**
 * Where a message came from and how to answer it: the transport, the peer's
 * address, and for TCP the connection it arrived on (responses go back on it,
 * RFC 3261 §18.2.2).
 */
export type TransportName = 'udp' | 'tcp';

export interface Flow {
  transport: TransportName;
  address: string;
  port: number;
  /** TCP connection id, or null for UDP. */
  connection: number | null;
}

/** A place to open a new TCP connection to when the flow's one is gone. */
export interface FallbackTarget {
  host: string;
  port: number;
}

/** Bytes of one complete SIP message arriving on a flow. */
export type MessageHandler = (bytes: Buffer, flow: Flow) => void;

export interface SipTransport {
  readonly name: TransportName;
  /** Queue bytes to the flow's peer; false when they could not be sent. */
  send(flow: Flow, bytes: Buffer, fallback?: FallbackTarget): boolean;
  close(): Promise<void>;
}

export function isReliable(flow: Flow): boolean {
  return flow.transport === 'tcp';
}
