/**
 * What callrec can record from an offered m= line: plain RTP (not SRTP: the
 * recorder holds no keys), G.711 µ-law (PT 0) or A-law (PT 8) as the RTP
 * layer decodes them, and RFC 4733 telephone-event (counted, not audio).
 */
import type { SdpMedia } from './parse.js';

export const PT_PCMU = 0;
export const PT_PCMA = 8;

/** Profiles carrying clear RTP. */
const CLEAR_RTP_PROTOS = new Set(['rtp/avp', 'rtp/avpf']);

export interface StreamCodecs {
  /** Audio payload types to answer, in the offer's order. */
  audio: number[];
  /** The offered telephone-event payload type, or null. */
  telephoneEvent: number | null;
}

function isStatic(m: SdpMedia, pt: number, encoding: string): boolean {
  const map = m.rtpmap.get(String(pt));
  return map === undefined || (map.encoding.toUpperCase() === encoding && map.clockRate === 8000);
}

/** Audio codecs and telephone-event we can take from this section (none: cannot record it). */
export function recordableCodecs(m: SdpMedia): StreamCodecs {
  const none: StreamCodecs = { audio: [], telephoneEvent: null };
  if (m.type !== 'audio' || !CLEAR_RTP_PROTOS.has(m.proto.toLowerCase())) return none;
  const audio: number[] = [];
  let telephoneEvent: number | null = null;
  for (const f of m.formats) {
    if (!/^\d{1,3}$/.test(f)) continue;
    const pt = Number(f);
    if (pt === PT_PCMU && isStatic(m, pt, 'PCMU')) audio.push(pt);
    else if (pt === PT_PCMA && isStatic(m, pt, 'PCMA')) audio.push(pt);
    else if (pt >= 96 && pt <= 127 && telephoneEvent === null) {
      const map = m.rtpmap.get(f);
      if (map !== undefined && map.encoding.toLowerCase() === 'telephone-event' && map.clockRate === 8000) telephoneEvent = pt;
    }
  }
  return { audio, telephoneEvent };
}
