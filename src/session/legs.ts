/**
 * Making a leg: a UDP port from the pool bound to a receiver on the session's
 * clock, and the leg record (file name, path, live counters) around it.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { callrecError } from '../errors.js';
import { createReceiver } from '../ingest/index.js';
import type { PortPool, RtpReceiver } from '../ingest/index.js';
import type { RecorderPool } from '../pool/index.js';
import type { SessionLeg } from './session.js';

/** Binding attempts per leg before giving up (ports taken by other programs). */
const BIND_ATTEMPTS = 16;

export interface LegDeps {
  config: Config;
  pool: RecorderPool;
  ports: PortPool;
}

/** Bind a free even port; 503 (CALLREC_ERR_NO_PORTS) when none can be had. */
export async function bindLegReceiver(deps: LegDeps, startPerfMs: number): Promise<RtpReceiver> {
  const { config, pool, ports } = deps;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const port = ports.take();
    if (port === null) break;
    const slot = ports.slotOf(port);
    const receiver = createReceiver(slot, port, pool.producerFor(slot), startPerfMs);
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

export function makeLeg(name: string, receiver: RtpReceiver, pool: RecorderPool, dir: string, fileName: string): SessionLeg {
  return { name, fileKey: `${name}_audio`, receiver, counters: pool.counterView(receiver.slot), fileName, path: path.join(dir, fileName) };
}

/** Close receivers of a session that never started, and give their ports back. */
export async function releaseReceivers(receivers: readonly RtpReceiver[], ports: PortPool): Promise<void> {
  for (const receiver of receivers) {
    await receiver.close();
    ports.release(receiver.port);
  }
}
