/**
 * What a SIPREC call adds to session_info.json (via Session.extraInfo):
 *
 *   sip_call_id   the recording dialog's Call-ID
 *   labels        { incoming, outgoing, extra_<label>… }: the a=label of each
 *                 leg's m= line
 *   siprec        { metadata: every document received, in order, with when
 *                   and in which request; participants: who is who, with
 *                   the role we gave them; streams: every offered m= line
 *                   with its label, leg name (or null), direction and port }
 *
 * The object is updated in place while the call runs (re-INVITE, UPDATE);
 * the finished session_info.json holds the last state.
 */
import type { RsMetadata, RsParticipant } from '../metadata/rs-metadata.js';
import type { SdpSession } from '../sdp/parse.js';
import type { StreamPlan } from './stream-plan.js';

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
  streams: Array<{ label: string | null; leg: string | null; direction: string; port: number | null }>;
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

export function setStreams(extra: Record<string, unknown>, sdp: SdpSession, legs: ReadonlyArray<string | null>, ports: ReadonlyArray<number>): void {
  const siprec = extra.siprec as SiprecInfo;
  const leg = (i: number) => (legs[i] === 'extra' ? null : (legs[i] ?? null));
  siprec.streams = sdp.media.map((m, i) => ({ label: m.label, leg: leg(i), direction: m.direction, port: ports[i] ?? null }));
  const labels: Record<string, string | null> = { incoming: null, outgoing: null };
  sdp.media.forEach((m, i) => {
    const name = leg(i);
    if (name !== null && (labels[name] ?? null) === null) labels[name] = m.label ?? String(i + 1);
  });
  extra.labels = labels;
}

/** Late metadata named the caller and/or callee: give their participants the role. */
export function setRoles(extra: Record<string, unknown>, caller: RsParticipant | null, callee: RsParticipant | null): void {
  const siprec = extra.siprec as SiprecInfo;
  for (const p of siprec.participants) {
    if (caller !== null && p.participant_id === caller.id) p.role = 'caller';
    else if (callee !== null && p.participant_id === callee.id) p.role = 'callee';
  }
}
