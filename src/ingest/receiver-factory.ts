/**
 * The receive path, chosen once at start (`--rtp-io`): every leg of the
 * process gets a receiver of that kind.
 */
import { callrecError } from '../errors.js';
import type { RingProducer } from '../ring/index.js';
import { LegReceiver } from './leg-receiver.js';
import { NativeLegReceiver, loadNativeReceiver } from './native-receiver.js';
import type { RtpIo, RtpReceiver } from './receiver.js';

let chosen: RtpIo = 'dgram';

export interface RtpIoChoice {
  io: RtpIo;
  /** Why auto fell back to dgram (one warning line at start), or null. */
  warning: string | null;
}

/**
 * `native` throws (a configuration error) when the addon cannot be loaded;
 * `auto` falls back to dgram and says why.
 */
export function chooseRtpIo(wanted: 'auto' | 'native' | 'dgram'): RtpIoChoice {
  if (wanted === 'dgram') return { io: (chosen = 'dgram'), warning: null };
  const why = loadNativeReceiver();
  if (why === null) return { io: (chosen = 'native'), warning: null };
  if (wanted === 'native') throw callrecError('CALLREC_ERR_CONFIG', `--rtp-io native: the native receiver cannot be used: ${why}`);
  return { io: (chosen = 'dgram'), warning: `native RTP receiver ${why}; using node:dgram` };
}

/** The path chooseRtpIo() picked (dgram until it is called). */
export function rtpIo(): RtpIo {
  return chosen;
}

export function createReceiver(slot: number, port: number, producer: RingProducer, originMs: number): RtpReceiver {
  return chosen === 'native' ? new NativeLegReceiver(slot, port, producer, originMs) : new LegReceiver(slot, port, producer, originMs);
}
