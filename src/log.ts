/**
 * The root pino logger: JSON lines on stdout. Modules take
 * `log.child({ mod: 'ingest' })`; sessions take `log.child({ session_id })`.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'callrec' } });
}
