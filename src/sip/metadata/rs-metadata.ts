/**
 * Recording metadata (RFC 7865, `application/rs-metadata+xml`): who takes part
 * in the recorded call and which stream each participant sends. Dialects
 * seen in the field are read alike:
 *
 * - RFC 7865: `urn:ietf:params:xml:ns:recording:1`, `participant_id`,
 *   `<nameID aor=…>`, `<participantstreamassoc><send>` (Cisco, AudioCodes,
 *   Ribbon, BroadWorks, OpenSIPS);
 * - the pre-RFC drafts: `urn:ietf:params:xml:ns:recording` (often with a
 *   prefix), `id`/`session` attributes, `<send>`/`<recv>` and `<aor>` inside
 *   `<participant>`, `dataMode` (Oracle/Acme Packet and older SBCs);
 * - `urn:ietf:params:xml:ns:siprec` (some PBXs).
 *
 * Element and attribute names are matched by local name, case-blind.
 */
import { attr, childText, childrenNamed, parseXml } from './xml-reader.js';
import type { XmlElement } from './xml-reader.js';

export type MetadataDialect = 'recording:1' | 'recording' | 'siprec' | 'other';

export interface RsParticipant {
  id: string;
  /** Addresses of record (sip:/tel: URIs), in document order. */
  aors: string[];
  names: string[];
  /** stream ids this participant sends / receives. */
  sends: string[];
  receives: string[];
}

export interface RsStream {
  id: string;
  /** The SDP a=label this stream is carried on. */
  label: string | null;
}

export interface RsMetadata {
  dialect: MetadataDialect;
  /** `complete` or `partial` (RFC 7865 §6.1), as sent. */
  dataMode: string | null;
  participants: RsParticipant[];
  streams: RsStream[];
}

const NAMESPACES: ReadonlyArray<[string, MetadataDialect]> = [
  ['urn:ietf:params:xml:ns:recording:1', 'recording:1'],
  ['urn:ietf:params:xml:ns:recording', 'recording'],
  ['urn:ietf:params:xml:ns:siprec', 'siprec'],
];
const MAX_WALK_DEPTH = 4;

function dialectOf(ns: string | null): MetadataDialect {
  const v = (ns ?? '').trim().toLowerCase();
  for (const [uri, dialect] of NAMESPACES) if (v === uri) return dialect;
  return 'other';
}

function findRecording(el: XmlElement, depth: number): XmlElement | null {
  if (el.name.toLowerCase() === 'recording') return el;
  if (depth >= MAX_WALK_DEPTH) return null;
  for (const c of el.children) {
    const found = findRecording(c, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Elements with these local names anywhere below `el` (not inside a match). */
function collect(el: XmlElement, names: readonly string[], out: XmlElement[] = [], depth = 0): XmlElement[] {
  for (const c of el.children) {
    if (names.includes(c.name.toLowerCase())) out.push(c);
    else if (depth < MAX_WALK_DEPTH) collect(c, names, out, depth + 1);
  }
  return out;
}

function texts(el: XmlElement, name: string): string[] {
  return childrenNamed(el, name)
    .map((c) => c.text.trim())
    .filter((t) => t !== '');
}

function pushUnique(list: string[], values: readonly string[]): void {
  for (const v of values) if (!list.includes(v)) list.push(v);
}

export function parseRsMetadata(xml: string): RsMetadata | null {
  const root = parseXml(xml);
  if (root === null) return null;
  const recording = findRecording(root, 0);
  if (recording === null) return null;

  const participants = new Map<string, RsParticipant>();
  const participant = (id: string): RsParticipant => {
    let p = participants.get(id);
    if (p === undefined) {
      p = { id, aors: [], names: [], sends: [], receives: [] };
      participants.set(id, p);
    }
    return p;
  };

  const found = collect(recording, ['participant', 'stream', 'participantstreamassoc']);
  const streams: RsStream[] = [];
  let anonymous = 0;
  for (const el of found) {
    const kind = el.name.toLowerCase();
    if (kind === 'participant') {
      const p = participant(attr(el, 'participant_id', 'id') ?? `#${anonymous++}`);
      for (const nameId of childrenNamed(el, 'nameID')) {
        const aor = attr(nameId, 'aor');
        if (aor !== null && aor.trim() !== '') pushUnique(p.aors, [aor.trim()]);
        pushUnique(p.names, texts(nameId, 'name'));
      }
      pushUnique(p.aors, texts(el, 'aor'));
      pushUnique(p.names, texts(el, 'name'));
      pushUnique(p.sends, texts(el, 'send'));
      pushUnique(p.receives, texts(el, 'recv'));
    } else if (kind === 'participantstreamassoc') {
      const id = attr(el, 'participant_id', 'participant', 'id');
      if (id === null) continue;
      const p = participant(id);
      pushUnique(p.sends, texts(el, 'send'));
      pushUnique(p.receives, texts(el, 'recv'));
    } else {
      const id = attr(el, 'stream_id', 'id');
      if (id === null) continue;
      streams.push({ id, label: childText(el, 'label') ?? attr(el, 'label') });
    }
  }

  return {
    dialect: dialectOf(recording.ns),
    dataMode: childText(recording, 'datamode', 'dataMode'),
    participants: [...participants.values()],
    streams,
  };
}

/** The SDP labels of the streams a participant sends. */
export function sentLabels(meta: RsMetadata, p: RsParticipant): string[] {
  const out: string[] = [];
  for (const id of p.sends) {
    const s = meta.streams.find((st) => st.id === id);
    // Some SRCs put the label itself in <send>.
    const label = s?.label ?? id;
    if (!out.includes(label)) out.push(label);
  }
  return out;
}
