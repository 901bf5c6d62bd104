/**
 * The SDP answer (RFC 3264 §6): one m= line per offered line, in order.
 * A recorded stream gets our port, the codecs we share, its a=label and the
 * direction that mirrors the offer (we only ever receive); anything else is
 * refused with port 0, keeping the offer's media, proto and a format.
 */
import type { Direction, SdpMedia } from './parse.js';

export interface AnsweredStream {
  offer: SdpMedia;
  /** Our RTP port, or null to refuse the stream (port 0). */
  port: number | null;
  audio: readonly number[];
  telephoneEvent: number | null;
}

export interface AnswerInit {
  host: string;
  /** o= session id: fixed for the dialog. */
  sessionId: string;
  /** o= version: incremented whenever the answer changes. */
  version: number;
  streams: readonly AnsweredStream[];
}

const ENCODING: Readonly<Record<number, string>> = { 0: 'PCMU', 8: 'PCMA' };

/** We only receive: sendonly/sendrecv → recvonly; recvonly/inactive → inactive. */
export function answerDirection(offer: Direction): Direction {
  return offer === 'sendonly' || offer === 'sendrecv' ? 'recvonly' : 'inactive';
}

export function buildSdpAnswer(init: AnswerInit): string {
  const ipVersion = init.host.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=callrec ${init.sessionId} ${init.version} IN ${ipVersion} ${init.host}`,
    's=callrec',
    `c=IN ${ipVersion} ${init.host}`,
    't=0 0',
  ];
  for (const s of init.streams) {
    const m = s.offer;
    if (s.port === null || s.audio.length === 0) {
      lines.push(`m=${m.type} 0 ${m.proto} ${m.formats[0] ?? '0'}`);
      if (m.label !== null) lines.push(`a=label:${m.label}`);
      continue;
    }
    const formats = s.telephoneEvent === null ? [...s.audio] : [...s.audio, s.telephoneEvent];
    lines.push(`m=audio ${s.port} ${m.proto} ${formats.join(' ')}`);
    for (const pt of s.audio) lines.push(`a=rtpmap:${pt} ${ENCODING[pt]}/8000`);
    if (s.telephoneEvent !== null) {
      lines.push(`a=rtpmap:${s.telephoneEvent} telephone-event/8000`);
      lines.push(`a=fmtp:${s.telephoneEvent} ${m.fmtp.get(String(s.telephoneEvent)) ?? '0-15'}`);
    }
    if (m.label !== null) lines.push(`a=label:${m.label}`);
    lines.push(`a=${answerDirection(m.direction)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
