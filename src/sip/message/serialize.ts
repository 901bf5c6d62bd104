/**
 * SipMessage → bytes. Headers go out in the order given with their
 * conventional spelling; Content-Length is always written last (and any
 * Content-Length in the header list ignored), so framing can never disagree
 * with the body.
 */
import { displayHeaderName } from './header-names.js';
import type { SipMessage } from './message.js';

export function serializeMessage(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  let head = `${start}\r\n`;
  for (const h of msg.headers) {
    if (h.name === 'content-length') continue;
    head += `${displayHeaderName(h.name)}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  return msg.body.length === 0 ? headBytes : Buffer.concat([headBytes, msg.body]);
}
