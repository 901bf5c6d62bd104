/**
 * The SIP port is bound after the HTTP port, so a --sip-port equal to the
 * --http-port fails as "in use" on TCP. Said that way it blames the SIP
 * port even when the operator moved the HTTP port onto the SIP default:
 * name the flag that was set (at fault) and the one it collides with.
 */
import { settingSource } from '../config.js';
import type { Config } from '../config.js';
import { CallrecError, callrecError } from '../errors.js';

/** `err` from startSipServer, rewritten when it is the HTTP port that holds the SIP port. */
export function explainSipBindError(err: unknown, config: Pick<Config, 'sipPort' | 'sources'>, httpPort: number): unknown {
  if (!(err instanceof CallrecError) || err.code !== 'CALLREC_ERR_CONFIG') return err;
  if ((err.cause as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE' || config.sipPort !== httpPort) return err;
  const http = settingSource(config, 'http-port');
  const sip = settingSource(config, 'sip-port');
  // A default is never at fault: the setting the operator chose is the one to change.
  const httpAtFault = config.sources['http-port'] !== undefined && config.sources['sip-port'] === undefined;
  const message = httpAtFault
    ? `${http}: ${httpPort} is also the SIP port (${sip} defaults to ${config.sipPort}); choose another port, or set ${sip}`
    : `${sip}: ${config.sipPort} is also the HTTP port (${http}); give them different ports`;
  return callrecError('CALLREC_ERR_CONFIG', message, err.cause);
}
