/**
 * SDP (RFC 8866) offers as SRCs send them (RFC 7866 §8): a session part and
 * one `m=` section per recorded stream, each with `a=label`, a direction and
 * its codecs. Pure and lenient: unknown lines are kept as attributes, a line
 * that does not parse is skipped; only a body without `v=` or with a
 * broken `m=` line is rejected (null).
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RtpMap {
  encoding: string;
  clockRate: number;
  channels: number;
}

export interface SdpMedia {
  /** `audio`, `video`, `application`… */
  type: string;
  port: number;
  proto: string;
  /** Formats as listed on the m= line (payload type numbers for RTP). */
  formats: string[];
  rtpmap: Map<string, RtpMap>;
  fmtp: Map<string, string>;
  direction: Direction;
  label: string | null;
  /** c= address of the section or of the session. */
  connection: string | null;
  /** Every a= line in order: [name, value or null]. */
  attributes: Array<[string, string | null]>;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  address: string;
}

export interface SdpSession {
  origin: SdpOrigin | null;
  connection: string | null;
  direction: Direction | null;
  media: SdpMedia[];
}

const DIRECTIONS = new Set<Direction>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const MAX_MEDIA = 64;

export function parseSdp(text: string): SdpSession | null {
  const lines = text.split(/\r?\n/);
  const session: SdpSession = { origin: null, connection: null, direction: null, media: [] };
  let sawVersion = false;
  let current: SdpMedia | null = null;
  const mediaConnection = new Map<SdpMedia, string>();
  const mediaDirection = new Map<SdpMedia, Direction>();
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const type = line[0];
    const value = line.slice(2);
    if (type === 'v') {
      sawVersion = true;
      continue;
    }
    if (type === 'm') {
      const m = /^([A-Za-z0-9_-]+) +(\d{1,5})(?:\/\d+)? +(\S+)(?: +(.*))?$/.exec(value);
      if (m === null || Number(m[2]) > 65535) return null;
      if (session.media.length >= MAX_MEDIA) return null;
      current = {
        type: m[1].toLowerCase(),
        port: Number(m[2]),
        proto: m[3],
        formats: (m[4] ?? '').split(/ +/).filter((f) => f !== ''),
        rtpmap: new Map(),
        fmtp: new Map(),
        direction: 'sendrecv',
        label: null,
        connection: null,
        attributes: [],
      };
      session.media.push(current);
      continue;
    }
    if (type === 'o' && current === null) {
      const o = value.split(/ +/);
      if (o.length >= 6) session.origin = { username: o[0], sessionId: o[1], sessionVersion: o[2], address: o[5] };
      continue;
    }
    if (type === 'c') {
      const c = /^IN +IP[46] +([^\s/]+)/i.exec(value);
      if (c === null) continue;
      if (current === null) session.connection = c[1];
      else mediaConnection.set(current, c[1]);
      continue;
    }
    if (type !== 'a') continue;
    const colon = value.indexOf(':');
    const name = (colon === -1 ? value : value.slice(0, colon)).trim();
    const attrValue = colon === -1 ? null : value.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (DIRECTIONS.has(lower as Direction)) {
      if (current === null) session.direction = lower as Direction;
      else mediaDirection.set(current, lower as Direction);
      continue;
    }
    if (current === null) continue;
    current.attributes.push([name, attrValue]);
    if (attrValue === null) continue;
    if (lower === 'label') current.label = attrValue;
    else if (lower === 'rtpmap') {
      const r = /^(\d{1,3}) +([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(attrValue);
      if (r !== null) current.rtpmap.set(r[1], { encoding: r[2], clockRate: Number(r[3]), channels: r[4] === undefined ? 1 : Number(r[4]) });
    } else if (lower === 'fmtp') {
      const f = /^(\d{1,3}) +(.*)$/.exec(attrValue);
      if (f !== null) current.fmtp.set(f[1], f[2]);
    }
  }
  if (!sawVersion) return null;
  for (const m of session.media) {
    m.connection = mediaConnection.get(m) ?? session.connection;
    m.direction = mediaDirection.get(m) ?? session.direction ?? 'sendrecv';
  }
  return session;
}
