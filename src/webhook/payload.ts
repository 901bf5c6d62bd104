/**
 * What a webhook carries: `{"event": …, "recording": {…}}`, where the
 * recording is the GET /api/recordings/:id object (without its own delivery
 * state). A discarded call has no recording left: it carries what is known
 * of the call, status "discarded" and the reason.
 */
import type { Recording, SessionInfo } from '../storage/index.js';

export type WebhookEvent = 'recording.completed' | 'recording.recovered' | 'recording.discarded';

export function recordingBody(event: WebhookEvent, recording: Recording): string {
  const { webhook: _state, ...rest } = recording;
  return JSON.stringify({ event, recording: rest });
}

const DISCARDED_FIELDS = ['caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds'] as const;

export function discardedBody(sessionId: string, reason: string, info?: Partial<SessionInfo>): string {
  const recording: Record<string, unknown> = { session_id: sessionId };
  for (const key of DISCARDED_FIELDS) if (info?.[key] !== undefined) recording[key] = info[key];
  recording.status = 'discarded';
  recording.reason = reason;
  return JSON.stringify({ event: 'recording.discarded', recording });
}

/** A per-session URL when it is an http(s) URL, else null. */
export function webhookUrlOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
