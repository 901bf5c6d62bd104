/**
 * What a SIPREC call adds to session_info.json (via Session.extraInfo):
 *
 *   sip_call_id   the recording dialog's Call-ID
 *   labels        { incoming, outgoing }: the a=label of each leg's m= line
 *   siprec        { metadata: every document received, in order, with when
 *                   and in which request; participants: who is who, with
 *                   the role we gave them; streams: every offered m= line
 *                   with its label, leg (or null) and direction }
 *
 * The object is updated in place while the call runs (re-INVITE, UPDATE);
 * the finished session_info.json holds the last state.
 */
import type { RsMetadata, RsParticipant } from '../metadata/rs-metadata.js';
import type { SdpSession } from '../sdp/parse.js';
import type { LegName, StreamPlan } from './stream-plan.js';

/** Metadata versions kept per call (a misbehaving SRC cannot grow the file without end). */
const MAX_METADATA_VERSIONS = 50;

interface MetadataVersion {
  received_at: string;
  method: string;
  cseq: number;
  dialect: string | null;
  xml: string;
}

interface SiprecInfo {
  metadata: MetadataVersion[];
  metadata_dropped?: number;
  participants: Array<{ participant_id: string; aor: string[]; name: string[]; role: 'caller' | 'callee' | null }>;
  streams: Array<{ label: string | null; leg: LegName | null; direction: string; port: number | null }>;
}

function participantsOf(meta: RsMetadata, caller: RsParticipant | null, callee: RsParticipant | null): SiprecInfo['participants'] {
  return meta.participants.map((p) => ({
    participant_id: p.id,
    aor: p.aors,
    name: p.names,
    role: p === caller || p.id === caller?.id ? 'caller' : p === callee || p.id === callee?.id ? 'callee' : null,
  }));
}

export function initialExtraInfo(callId: string, plan: StreamPlan, metadata: RsMetadata | null): Record<string, unknown> {
  const siprec: SiprecInfo = {
    metadata: [],
    participants: metadata === null ? [] : participantsOf(metadata, plan.caller, plan.callee),
    streams: [],
  };
  return { sip_call_id: callId, labels: { incoming: null, outgoing: null }, siprec };
}

export function addMetadataVersion(extra: Record<string, unknown>, entry: { method: string; cseq: number; xml: string; meta: RsMetadata | null }): void {
  const siprec = extra.siprec as SiprecInfo;
  if (siprec.metadata.length >= MAX_METADATA_VERSIONS) {
    siprec.metadata_dropped = (siprec.metadata_dropped ?? 0) + 1;
    return;
  }
  siprec.metadata.push({
    received_at: new Date().toISOString(),
    method: entry.method,
    cseq: entry.cseq,
    dialect: entry.meta?.dialect ?? null,
    xml: entry.xml,
  });
  // A complete document from a re-INVITE may name new participants; keep roles by id.
  if (entry.meta !== null && entry.meta.participants.length > 0 && entry.meta.dataMode?.toLowerCase() !== 'partial') {
    const roles = new Map(siprec.participants.map((p) => [p.participant_id, p.role]));
    siprec.participants = entry.meta.participants.map((p) => ({ participant_id: p.id, aor: p.aors, name: p.names, role: roles.get(p.id) ?? null }));
  }
}

export function setStreams(extra: Record<string, unknown>, sdp: SdpSession, legs: ReadonlyArray<LegName | null>, ports: ReadonlyArray<number>): void {
  const siprec = extra.siprec as SiprecInfo;
  siprec.streams = sdp.media.map((m, i) => ({ label: m.label, leg: legs[i] ?? null, direction: m.direction, port: ports[i] ?? null }));
  const labels: Record<LegName, string | null> = { incoming: null, outgoing: null };
  sdp.media.forEach((m, i) => {
    const leg = legs[i];
    if (leg != null && labels[leg] === null) labels[leg] = m.label ?? String(i + 1);
  });
  extra.labels = labels;
}
