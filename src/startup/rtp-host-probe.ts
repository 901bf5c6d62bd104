/**
 * --rtp-host is checked at start by binding it once: an address that is not
 * on this machine would otherwise pass start-up and then fail every call.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { callrecError } from '../errors.js';

/** Why a bind failed, in words an operator can act on. */
const BIND_REASONS: Record<string, string> = {
  EADDRNOTAVAIL: 'not an address of this machine',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EINVAL: 'not an address a socket can bind to',
};

function bindOnce(host: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    // Port 0: any free port, so the probe never takes one of --rtp-ports.
    socket.bind({ address: host, port: 0, exclusive: true }, () => resolve());
  }).finally(() => socket.close());
}

/**
 * Resolves when a UDP socket can be bound on `host`; else throws
 * CALLREC_ERR_CONFIG naming `source` (the flag or the variable that set it).
 * Only IPv4 addresses: the RTP sockets are udp4, and a name would be looked up.
 */
export async function probeRtpHost(host: string, source: string): Promise<void> {
  if (!net.isIPv4(host)) throw callrecError('CALLREC_ERR_CONFIG', `${source}: "${host}" is not an IPv4 address`);
  try {
    await bindOnce(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === undefined ? (err as Error).message : `${BIND_REASONS[code] ?? 'cannot bind a UDP socket there'} (${code})`;
    throw callrecError('CALLREC_ERR_CONFIG', `${source}: cannot bind ${host}: ${reason}`, err);
  }
}
