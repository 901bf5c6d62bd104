/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), as far as a recorder
 * needs them: the user part (caller ids come from it), host and port (where to
 * send an in-dialog request), and the transport parameter.
 */
import { parseHostPort, parseParams } from './header-values.js';

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** Percent-decoded user part, or the tel number; null when absent. */
  user: string | null;
  host: string;
  port: number | null;
  params: Map<string, string>;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function parseUri(text: string): SipUri | null {
  const m = /^\s*(sips?|tel):(.*)$/i.exec(text);
  if (m === null) return null;
  const scheme = m[1].toLowerCase() as SipUri['scheme'];
  let rest = m[2];
  const q = rest.indexOf('?');
  if (q !== -1) rest = rest.slice(0, q);
  const semi = rest.indexOf(';');
  const params = parseParams(semi === -1 ? '' : rest.slice(semi));
  const main = semi === -1 ? rest : rest.slice(0, semi);
  if (scheme === 'tel') {
    const number = main.trim();
    if (number === '') return null;
    return { scheme, user: decode(number), host: '', port: null, params };
  }
  // The user part may itself contain ';' (user parameters) before the '@'.
  const at = rest.lastIndexOf('@');
  let user: string | null = null;
  let hostPart = main;
  let paramPart = semi === -1 ? '' : rest.slice(semi);
  if (at !== -1) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    const userRaw = (colon === -1 ? userInfo : userInfo.slice(0, colon)).split(';')[0];
    user = userRaw === '' ? null : decode(userRaw);
    const after = rest.slice(at + 1);
    const s = after.indexOf(';');
    hostPart = s === -1 ? after : after.slice(0, s);
    paramPart = s === -1 ? '' : after.slice(s);
  }
  const hp = parseHostPort(hostPart);
  if (hp === null) return null;
  return { scheme, user, host: hp.host, port: hp.port, params: at === -1 ? params : parseParams(paramPart) };
}

/** The user part of a URI, or null (e.g. `sip:+15551234567@sbc;user=phone` → `+15551234567`). */
export function uriUser(text: string): string | null {
  return parseUri(text)?.user ?? null;
}
