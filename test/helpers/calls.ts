/**
 * Starting calls over HTTP the way a client would: POST /api/sessions, then
 * one RtpLeg per announced port. Also the clock bounds the test can know of
 * start_time (between sending the POST and reading its answer).
 */
import { existsSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as assert from 'uvu/assert';
import type { Codec } from './g711.js';
import { RtpLeg } from './rtp-sender.js';
import type { RtpLegOptions } from './rtp-sender.js';
import type { ServerProcess } from './server.js';

export interface StartedCall {
  id: string;
  startTime: string;
  /** performance.now() just before the POST and just after its answer. */
  postedAt: number;
  answeredAt: number;
  /** The 201 body. */
  answer: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  incoming: RtpLeg;
  outgoing: RtpLeg;
}

export interface CallPlan {
  body?: Record<string, unknown>;
  incoming: { codec: Codec; seed: number; packets: number } & Partial<RtpLegOptions>;
  outgoing: { codec: Codec; seed: number; packets: number } & Partial<RtpLegOptions>;
}

export async function startCall(server: ServerProcess, plan: CallPlan): Promise<StartedCall> {
  const body = plan.body ?? { caller_id: '+15551234567', called_number: '+15559876543' };
  const postedAt = performance.now();
  const res = await server.request('POST', '/api/sessions', body);
  const answeredAt = performance.now();
  assert.is(res.status, 201, `POST /api/sessions: ${res.status} ${res.text}`);
  const rtp = res.body.rtp;
  assert.is(rtp.incoming.host, '127.0.0.1');
  assert.is(rtp.outgoing.host, '127.0.0.1');
  const incoming = await RtpLeg.open({ ...plan.incoming, port: rtp.incoming.port });
  const outgoing = await RtpLeg.open({ ...plan.outgoing, port: rtp.outgoing.port });
  return { id: res.body.session_id, startTime: res.body.start_time, postedAt, answeredAt, answer: res.body, incoming, outgoing };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Bounds on a leg's offset in samples: its first packet arrived after it was
 * sent and after the session started (before the POST was answered), and
 * the session started after the POST was sent. `slackMs` is for the time
 * the recorder may take to read the datagram.
 */
export function offsetBounds(call: StartedCall, leg: RtpLeg, slackMs = 250): { min: number; max: number } {
  return {
    min: Math.floor((leg.firstSentAt - call.answeredAt) * 8) - 8,
    max: Math.ceil((leg.firstSentAt - call.postedAt + slackMs) * 8),
  };
}

/**
 * The session directories in `sessionsDir` (names a session id may have),
 * sorted; [] when it does not exist. Other entries (a lock file, a
 * webhook queue such as "@webhooks") are not sessions.
 */
export function listSessionDirs(sessionsDir: string): string[] {
  if (!existsSync(sessionsDir)) return [];
  return readdirSync(sessionsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[A-Za-z0-9._-]{1,64}$/.test(e.name) && e.name !== '.' && e.name !== '..')
    .map((e) => e.name)
    .sort();
}
