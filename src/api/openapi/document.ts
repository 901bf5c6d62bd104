/**
 * The HTTP API as an OpenAPI 3.1 document: the source of truth for routes,
 * parameters, bodies and answers, served as-is at GET /openapi.json and
 * checked against the router by test/api/openapi.test.ts (every route
 * documented, every documented operation routed, $refs resolve, examples
 * valid against their schemas).
 *
 * Hand-written, as a plain object (a TS module, so that tsc puts it in dist/
 * and the error codes come from src/errors.ts). Schemas use a small subset of
 * JSON Schema (type, properties, required, additionalProperties, items, enum,
 * const, oneOf, pattern, minLength/maxLength, minimum/maximum, format,
 * $ref): the test's checker knows exactly that subset and refuses anything else.
 */
import { ERROR_TABLE } from '../../errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ID = 'abc123-def456-ghi789';
const START = '2024-12-25T14:30:22.123456Z';
const END = '2024-12-25T14:32:45.654321Z';

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: JsonObject, examples?: Record<string, { summary: string; value: Json }>): JsonObject => {
  const media: JsonObject = { schema };
  if (examples !== undefined) media.examples = examples;
  return { 'application/json': media };
};

/** An error answer: one status, the codes it can carry, one example per code. */
function errorResponse(description: string, examples: [code: keyof typeof ERROR_TABLE, message: string][], headers?: JsonObject): JsonObject {
  const out: JsonObject = {
    description,
    content: jsonContent(
      ref('Error'),
      Object.fromEntries(examples.map(([code, error]) => [code, { summary: code, value: { status: 'error', error, code } }])),
    ),
  };
  if (headers !== undefined) out.headers = headers;
  return out;
}

const unauthorized: JsonObject = { $ref: '#/components/responses/Unauthorized' };
const tooLarge: JsonObject = { $ref: '#/components/responses/BodyTooLarge' };
const notJson: JsonObject = { $ref: '#/components/responses/UnsupportedMediaType' };

const idParam = (description: string): JsonObject => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  example: ID,
});

// ---------------------------------------------------------------- examples

const legStatsExample: JsonObject = {
  packets: 7176,
  bytes: 1234272,
  recorded: 7170,
  lost: 4,
  duplicates: 2,
  late: 1,
  dropped: { ring_full: 0, wrong_source: 0, malformed: 0, unknown_payload_type: 0, before_start: 0, paused: 0, too_late: 0, rtcp: 0, kernel: 0 },
  relatched: 0,
  telephone_events: 0,
  comfort_noise: 0,
  reanchored: 0,
  ssrc_changes: 0,
  write_errors: 0,
};

const filesExample: JsonObject = {
  incoming_audio: 'incoming_20241225_143022.wav',
  outgoing_audio: 'outgoing_20241225_143022.wav',
  mixed_audio: 'mixed_20241225_143022.wav',
};

const audioFilesExample: JsonObject = {
  incoming_audio: { filename: 'incoming_20241225_143022.wav', size_mb: 1.23, path: `sessions/${ID}/incoming_20241225_143022.wav` },
  outgoing_audio: { filename: 'outgoing_20241225_143022.wav', size_mb: 2.14, path: `sessions/${ID}/outgoing_20241225_143022.wav` },
  mixed_audio: { filename: 'mixed_20241225_143022.wav', size_mb: 1.68, path: `sessions/${ID}/mixed_20241225_143022.wav` },
};

const sessionInfoExample: JsonObject = {
  session_id: ID,
  caller_id: '+15551234567',
  called_number: '+15559876543',
  start_time: START,
  end_time: END,
  duration_seconds: 143.53,
  status: 'completed',
  end_reason: 'api_hangup',
  source: 'http',
  files: filesExample,
  file_bytes: { incoming_audio: 1289772, outgoing_audio: 2243948, mixed_audio: 1761580 },
  stats: { incoming: legStatsExample, outgoing: { ...legStatsExample, lost: 0, duplicates: 0, late: 0 } },
};

const recordingExample: JsonObject = {
  session_id: ID,
  caller_id: '+15551234567',
  called_number: '+15559876543',
  start_time: START,
  end_time: END,
  duration_seconds: 143.53,
  status: 'completed',
  end_reason: 'api_hangup',
  source: 'http',
  audio_files: audioFilesExample,
};

const liveSessionExample: JsonObject = {
  session_id: ID,
  caller_id: '+15551234567',
  called_number: '+15559876543',
  start_time: START,
  state: 'active',
  paused: null,
  discarded: false,
  source: 'http',
  rtp: { incoming: { host: '127.0.0.1', port: 20000 }, outgoing: { host: '127.0.0.1', port: 20002 } },
  legs: { incoming: legStatsExample, outgoing: legStatsExample },
};

const healthExample: JsonObject = {
  status: 'ok',
  reasons: [],
  rtp_io: 'native',
  native_receive: { wakeups: 1843211, recv_calls: 9120554, datagrams: 9876002 },
  active_calls: 12,
  recordings: 5310,
  disk: { free_bytes: 412316860416, used_bytes: 87683139584, total_bytes: 500000000000 },
  workers: { threads: 4, drainLoops: 3, queued: 0 },
  rings: [
    { capacity: 33554432, used: 0, highWater: 18240 },
    { capacity: 33554432, used: 184, highWater: 20064 },
    { capacity: 33554432, used: 0, highWater: 17328 },
  ],
};

// ----------------------------------------------------------------- schemas

const partyString: JsonObject = { type: 'string', minLength: 1, maxLength: 128, description: '1 to 128 characters, no control characters.' };
const isoTime: JsonObject = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC, with microseconds.' };
const counter: JsonObject = { type: 'integer', minimum: 0 };

/** A `{"status": "success", …}` answer whose other fields are all required. */
function successAnswer(properties: Record<string, JsonObject>): JsonObject {
  return {
    type: 'object',
    required: ['status', ...Object.keys(properties)],
    properties: { status: { const: 'success' }, ...properties },
    additionalProperties: false,
  };
}

const schemas: Record<string, JsonObject> = {
  Error: {
    type: 'object',
    description: 'Every error answer. `error` is a human-readable message (never a stack trace); `code` is stable and listed in the README.',
    required: ['status', 'error', 'code'],
    properties: {
      status: { const: 'error' },
      error: { type: 'string' },
      code: { type: 'string', enum: Object.keys(ERROR_TABLE) },
    },
    additionalProperties: false,
  },
  RtpEndpoint: {
    type: 'object',
    description: 'Where the sender sends one leg\'s RTP: `--public-host` and the leg\'s own (even) UDP port.',
    required: ['host', 'port'],
    properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
    additionalProperties: false,
  },
  RtpEndpoints: {
    type: 'object',
    description: 'One endpoint per leg: `incoming`, `outgoing`, and `extra_<label>` for extra SIPREC streams.',
    required: ['incoming', 'outgoing'],
    properties: { incoming: ref('RtpEndpoint'), outgoing: ref('RtpEndpoint') },
    additionalProperties: ref('RtpEndpoint'),
  },
  CreateSession: {
    type: 'object',
    required: ['caller_id', 'called_number'],
    properties: {
      caller_id: partyString,
      called_number: partyString,
      session_id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'Optional; a UUID is made when absent. Not `.` or `..`.' },
      stereo: { type: 'boolean', description: 'Also write `stereo_*.wav` for this call (default: `--stereo`).' },
      webhook_url: {
        type: 'string',
        format: 'uri',
        maxLength: 2048,
        description:
          'Announce this call\'s recording here instead of `--webhook-url`: http or https, and its host must match `--webhook-allow`; otherwise `400`.',
      },
    },
    additionalProperties: false,
  },
  SessionCreated: successAnswer({
      session_id: { type: 'string' },
      start_time: isoTime,
      rtp: ref('RtpEndpoints'),
  }),
  LegStats: {
    type: 'object',
    description: 'Counters of one leg. `dropped` counts packets dropped, by reason.',
    required: ['packets', 'bytes', 'recorded', 'lost', 'duplicates', 'late', 'dropped'],
    properties: {
      packets: { ...counter, description: 'Packets handed to the recorder (not dropped at the socket).' },
      bytes: counter,
      recorded: { ...counter, description: 'Audio packets placed on the timeline.' },
      lost: { ...counter, description: 'Sequence numbers never received.' },
      duplicates: counter,
      late: counter,
      dropped: {
        type: 'object',
        description: 'By reason: `ring_full`, `wrong_source`, `malformed`, `unknown_payload_type`, `before_start`, `paused`, `too_late`, `rtcp` (RTCP multiplexed on the RTP port, RFC 5761: counted, never recorded), `kernel` (datagrams the kernel dropped from the socket\'s full receive queue; they never reached callrec and are not in `packets`), …',
        additionalProperties: counter,
      },
      relatched: { ...counter, description: 'Times a new source took the leg over after the latched one was silent for 1 s (4 in-sequence audio packets in a row).' },
      telephone_events: counter,
      comfort_noise: counter,
      reanchored: counter,
      ssrc_changes: counter,
      write_errors: counter,
    },
    additionalProperties: true,
  },
  LiveSession: {
    type: 'object',
    description: 'An active call as `GET /api/sessions` shows it.',
    required: ['session_id', 'caller_id', 'called_number', 'start_time', 'state', 'paused', 'discarded', 'source', 'rtp', 'legs'],
    properties: {
      session_id: { type: 'string' },
      caller_id: { type: 'string' },
      called_number: { type: 'string' },
      start_time: isoTime,
      state: { type: 'string', enum: ['active', 'ending', 'ended'] },
      paused: { type: ['string', 'null'], enum: ['silence', 'skip', null], description: 'The open pause\'s behavior, or null when recording.' },
      discarded: { type: 'boolean' },
      source: { type: 'string', enum: ['http', 'sip'] },
      rtp: ref('RtpEndpoints'),
      legs: { type: 'object', additionalProperties: ref('LegStats') },
    },
    additionalProperties: true,
  },
  SessionList: successAnswer({ sessions: { type: 'array', items: ref('LiveSession') } }),
  SessionAnswer: successAnswer({ session: ref('LiveSession') }),
  PauseRequest: {
    type: 'object',
    properties: {
      behavior: {
        type: 'string',
        enum: ['silence', 'skip'],
        description: '`silence` (default): the paused span is silence in every file. `skip`: it is left out of every file, legs still aligned.',
      },
    },
    additionalProperties: false,
  },
  Status: {
    type: 'string',
    description:
      '`recording` (on disk while the call runs), `completed`, `recovered` (finished at start-up after a crash), `discarded` (dropped on request or by `--min-duration`), `failed` (the recording could not be completed, e.g. the disk filled: see `errors`).',
    enum: ['recording', 'completed', 'recovered', 'discarded', 'failed'],
  },
  EndReason: {
    type: 'string',
    description:
      'Why the call ended: `api_hangup` (`POST /api/sessions/{id}/hangup`), `sip_bye` (the SRC sent BYE), `rtp_timeout` (`--rtp-timeout`), `sip_cancel` (CANCEL before the answer), `sip_no_ack` (the 200 OK was never acknowledged), `session_timer` (SIP session timer expired), `shutdown` (SIGTERM/SIGINT), `recovery` (a crash interrupted it; finished at start-up). A discarded call keeps the reason it ended with; `discard_reason` says why it was discarded.',
    enum: ['api_hangup', 'sip_bye', 'sip_cancel', 'sip_no_ack', 'session_timer', 'rtp_timeout', 'shutdown', 'recovery'],
  },
  Pause: {
    type: 'object',
    required: ['start', 'end', 'behavior'],
    properties: { start: isoTime, end: isoTime, behavior: { type: 'string', enum: ['silence', 'skip'] } },
    additionalProperties: false,
  },
  WebhookState: {
    type: 'object',
    description: 'Completion webhook delivery. Absent when no webhook URL applies.',
    required: ['state', 'attempts'],
    properties: {
      state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
      attempts: counter,
      last_error: { type: 'string' },
      delivered_at: isoTime,
    },
    additionalProperties: false,
  },
  OnCompleteState: {
    type: 'object',
    description: 'The `--on-complete` command\'s outcome. Absent without `--on-complete`.',
    required: ['state'],
    properties: {
      state: { type: 'string', enum: ['queued', 'running', 'ok', 'failed', 'timeout'] },
      exit_code: { type: ['integer', 'null'] },
      signal: { type: ['string', 'null'] },
      duration_seconds: { type: 'number', minimum: 0 },
      stderr_tail: { type: 'string', maxLength: 2048 },
      error: { type: 'string' },
      finished_at: isoTime,
    },
    additionalProperties: true,
  },
  Siprec: {
    type: 'object',
    description: 'SIPREC calls only: every metadata document received (at most 50), the participants, the last offer\'s streams.',
    properties: {
      metadata: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            received_at: isoTime,
            method: { type: 'string' },
            cseq: { type: 'integer' },
            dialect: { type: 'string' },
            xml: { type: 'string' },
          },
          additionalProperties: true,
        },
      },
      metadata_dropped: counter,
      participants: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            participant_id: { type: 'string' },
            aor: { type: 'array', items: { type: 'string' } },
            name: { type: 'array', items: { type: 'string' } },
            role: { type: 'string' },
          },
          additionalProperties: true,
        },
      },
      streams: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            label: { type: ['string', 'null'] },
            leg: { type: ['string', 'null'] },
            direction: { type: 'string' },
            port: { type: 'integer' },
          },
          additionalProperties: true,
        },
      },
    },
    additionalProperties: true,
  },
  AudioFile: {
    type: 'object',
    required: ['filename', 'size_mb', 'path'],
    properties: {
      filename: { type: 'string' },
      size_mb: { type: 'number', minimum: 0, description: 'bytes / 1048576, rounded to 2 decimals.' },
      path: { type: 'string', description: '`<sessions-dir>/<session_id>/<filename>`, as configured.' },
    },
    additionalProperties: false,
  },
  Recording: {
    type: 'object',
    description: 'A finished recording as listed by `GET /api/recordings`.',
    required: ['session_id', 'caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds', 'status', 'audio_files'],
    properties: {
      session_id: { type: 'string' },
      caller_id: { type: 'string' },
      called_number: { type: 'string' },
      start_time: isoTime,
      end_time: isoTime,
      duration_seconds: { type: 'number', minimum: 0 },
      status: ref('Status'),
      end_reason: ref('EndReason'),
      source: { type: 'string', enum: ['http', 'sip'] },
      audio_files: {
        type: 'object',
        description: 'Key `<leg>_audio` (`incoming_audio`, `outgoing_audio`, `mixed_audio`, `stereo_audio`, `extra_<label>_audio`).',
        additionalProperties: ref('AudioFile'),
      },
      webhook: ref('WebhookState'),
      on_complete: ref('OnCompleteState'),
    },
    additionalProperties: true,
  },
  RecordingDetail: {
    type: 'object',
    description:
      'One recording: the listing\'s fields plus everything in its `session_info.json` (`files`, `file_bytes`, `source`, `stats`, `errors`, `pauses`, SIPREC fields, …).',
    required: ['session_id', 'caller_id', 'called_number', 'start_time', 'end_time', 'duration_seconds', 'status', 'audio_files'],
    properties: {
      session_id: { type: 'string' },
      caller_id: { type: 'string' },
      called_number: { type: 'string' },
      start_time: isoTime,
      end_time: isoTime,
      duration_seconds: { type: 'number', minimum: 0 },
      status: ref('Status'),
      end_reason: ref('EndReason'),
      audio_files: { type: 'object', additionalProperties: ref('AudioFile') },
      files: { type: 'object', additionalProperties: { type: 'string' } },
      file_bytes: { type: 'object', additionalProperties: counter },
      source: { type: 'string', enum: ['http', 'sip'] },
      stats: { type: 'object', additionalProperties: ref('LegStats') },
      errors: { type: 'array', items: { type: 'string' } },
      pauses: { type: 'array', items: ref('Pause') },
      webhook_url: { type: 'string' },
      sip_call_id: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      siprec: ref('Siprec'),
      webhook: ref('WebhookState'),
      on_complete: ref('OnCompleteState'),
    },
    additionalProperties: true,
  },
  SessionInfo: {
    type: 'object',
    description: 'The `session_info.json` object of a call (see docs/files.md). A discarded call has `status: "discarded"`, `discard_reason` and empty `files`.',
    required: ['session_id', 'caller_id', 'called_number', 'start_time', 'status', 'files'],
    properties: {
      session_id: { type: 'string' },
      caller_id: { type: 'string' },
      called_number: { type: 'string' },
      start_time: isoTime,
      end_time: isoTime,
      duration_seconds: { type: 'number', minimum: 0 },
      status: ref('Status'),
      end_reason: ref('EndReason'),
      discard_reason: { type: 'string', enum: ['requested', 'min_duration'] },
      source: { type: 'string', enum: ['http', 'sip'] },
      files: { type: 'object', additionalProperties: { type: 'string' } },
      file_bytes: { type: 'object', additionalProperties: counter },
      stats: { type: 'object', additionalProperties: ref('LegStats') },
      errors: { type: 'array', items: { type: 'string' } },
      pauses: { type: 'array', items: ref('Pause') },
      webhook_url: { type: 'string' },
      sip_call_id: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      siprec: ref('Siprec'),
    },
    additionalProperties: true,
  },
  RecordingList: successAnswer({
      total_recordings: { ...counter, description: 'Every match, not only this page.' },
      recordings: { type: 'array', items: ref('Recording') },
  }),
  RecordingAnswer: successAnswer({ recording: ref('RecordingDetail') }),
  Deleted: successAnswer({ session_id: { type: 'string' }, message: { type: 'string' } }),
  Health: {
    type: 'object',
    description: '`status` is `ok` with 200, `unavailable` with 503; `reasons` says why the node would refuse a call now.',
    required: ['status', 'active_calls', 'recordings', 'disk', 'workers', 'rings'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      rtp_io: { type: 'string', enum: ['native', 'dgram'], description: 'How RTP is read (`--rtp-io`): the native batch receiver or node:dgram.' },
      native_receive: {
        type: ['object', 'null'],
        description: 'With `rtp_io: native`: event-loop wake-ups, `recvmmsg` calls and datagrams read since start (datagrams per call shows how well reads batch); null on dgram.',
        properties: { wakeups: counter, recv_calls: counter, datagrams: counter },
      },
      reasons: {
        type: 'array',
        items: { type: 'string', enum: ['shutting_down', 'disk_full', 'no_free_ports'] },
        description: 'Why a new call would be refused now (empty with 200): `shutting_down`, `disk_full` (under 64 KiB free in the sessions directory), `no_free_ports`.',
      },
      active_calls: counter,
      recordings: counter,
      disk: {
        type: ['object', 'null'],
        description: 'The sessions directory\'s file system (null when it cannot be read).',
        properties: { free_bytes: counter, used_bytes: counter, total_bytes: counter },
        additionalProperties: true,
      },
      workers: { type: 'object', description: 'The worker pool: threads alive, drain loops, queued tasks.', additionalProperties: true },
      rings: {
        type: 'array',
        description: 'One packet ring per drain loop: capacity, bytes used now, most ever used.',
        items: { type: 'object', additionalProperties: true },
      },
    },
    additionalProperties: true,
  },
  WebhookMessage: {
    type: 'object',
    required: ['event', 'recording'],
    properties: {
      event: { type: 'string', enum: ['recording.completed', 'recording.recovered', 'recording.discarded'] },
      recording: {
        type: 'object',
        description:
          'completed/recovered: the `GET /api/recordings/{id}` recording (without `webhook`). discarded: `session_id`, what is known of the call, `status: "discarded"` and `reason`.',
        required: ['session_id', 'status'],
        properties: {
          session_id: { type: 'string' },
          status: ref('Status'),
          reason: { type: 'string' },
        },
        additionalProperties: true,
      },
    },
    additionalProperties: false,
  },
};

// --------------------------------------------------------------- responses

const responses: Record<string, JsonObject> = {
  Unauthorized: errorResponse(
    'With `--api-token` set: the bearer token is missing or wrong.',
    [['CALLREC_ERR_UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)']],
    {
      'WWW-Authenticate': {
        description: '`Bearer realm="callrec"`, plus `error="invalid_token"` when a token was sent but is wrong.',
        schema: { type: 'string' },
      },
    },
  ),
  BodyTooLarge: errorResponse('The request body is over 64 KiB (the connection is closed after the answer).', [
    ['CALLREC_ERR_BODY_TOO_LARGE', 'request body exceeds 65536 bytes'],
  ]),
  UnsupportedMediaType: errorResponse('A non-empty body that is not `application/json`.', [
    ['CALLREC_ERR_UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'],
  ]),
  InternalError: errorResponse('An unexpected failure: logged by the recorder, never described to the client.', [
    ['CALLREC_ERR_INTERNAL', 'internal error'],
  ]),
  NoActiveSession: errorResponse('No active session with this id (unknown, already ended, or not a valid id).', [
    ['CALLREC_ERR_NOT_FOUND', `no active session "${ID}"`],
  ]),
};

const audioHeaders: JsonObject = {
  'Content-Length': { schema: { type: 'integer' } },
  'Accept-Ranges': { schema: { type: 'string', const: 'bytes' } },
  ETag: { description: 'Strong validator of this file version: `"<size hex>-<mtime ms hex>"`.', schema: { type: 'string' } },
  'Last-Modified': { schema: { type: 'string' } },
  'Content-Disposition': { description: '`inline; filename="<file name>"`.', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string', const: 'private, no-cache' } },
};

const recordingListExample = {
  status: 'success',
  total_recordings: 1,
  recordings: [recordingExample],
};

// ------------------------------------------------------------------- paths

const paths: Record<string, JsonObject> = {
  '/healthz': {
    get: {
      operationId: 'getHealth',
      tags: ['operations'],
      summary: 'Readiness and liveness',
      description:
        'Never needs a token. `200` when the node takes calls; `503` with `reasons` when it would refuse one (disk full, shutting down, no free RTP ports). While the recorder is still starting (index, crash recovery) every request, this one included, gets `503` `CALLREC_ERR_SHUTTING_DOWN` with `Retry-After: 1`.',
      security: [],
      responses: {
        '200': { description: 'Ready.', content: jsonContent(ref('Health'), { ready: { summary: 'ready', value: healthExample } }) },
        '503': {
          description: 'Not taking calls now: the health object with `reasons` (and `Retry-After: 5`), or the start-up error (`Retry-After: 1`).',
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
          content: jsonContent({ oneOf: [ref('Health'), ref('Error')] }, {
            diskFull: {
              summary: 'disk full',
              value: { ...healthExample, status: 'unavailable', reasons: ['disk_full'], disk: { free_bytes: 0, used_bytes: 500000000000, total_bytes: 500000000000 } },
            },
            startingUp: { summary: 'starting up', value: { status: 'error', error: 'starting up', code: 'CALLREC_ERR_SHUTTING_DOWN' } },
          }),
        },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      description: 'Prometheus text exposition 0.0.4 (see docs/metrics.md for every family).',
      responses: {
        '200': {
          description: 'Metrics.',
          content: {
            'text/plain; version=0.0.4; charset=utf-8': {
              schema: { type: 'string' },
              examples: {
                excerpt: {
                  summary: 'excerpt',
                  value: '# HELP callrec_active_calls Calls being recorded now.\n# TYPE callrec_active_calls gauge\ncallrec_active_calls 12\n',
                },
              },
            },
          },
        },
        '401': unauthorized,
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApi',
      tags: ['operations'],
      summary: 'This document',
      description: 'The OpenAPI 3.1 document of this API. Never needs a token (it holds no data).',
      security: [],
      responses: {
        '200': { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  },
  '/api/sessions': {
    get: {
      operationId: 'listSessions',
      tags: ['sessions'],
      summary: 'Active calls',
      description: 'The calls being recorded now, with their RTP ports and live per-leg counters.',
      responses: {
        '200': {
          description: 'Active calls.',
          content: jsonContent(ref('SessionList'), {
            oneCall: { summary: 'one call', value: { status: 'success', sessions: [liveSessionExample] } },
            none: { summary: 'no call', value: { status: 'success', sessions: [] } },
          }),
        },
        '401': unauthorized,
      },
    },
    post: {
      operationId: 'createSession',
      tags: ['sessions'],
      summary: 'Start recording a call',
      description:
        'Binds one UDP port per leg and starts recording. Send the caller\'s RTP to `rtp.incoming` and the audio sent to the caller to `rtp.outgoing`. Unknown fields are refused.',
      requestBody: {
        required: true,
        content: jsonContent(ref('CreateSession'), {
          minimal: { summary: 'caller and called number', value: { caller_id: '+15551234567', called_number: '+15559876543' } },
          full: {
            summary: 'every field',
            value: { caller_id: '+15551234567', called_number: '+15559876543', session_id: ID, stereo: true, webhook_url: 'https://hooks.example.com/callrec' },
          },
        }),
      },
      responses: {
        '201': {
          description: 'Recording.',
          content: jsonContent(ref('SessionCreated'), {
            created: {
              summary: 'created',
              value: { status: 'success', session_id: ID, start_time: START, rtp: liveSessionExample.rtp },
            },
          }),
        },
        '400': errorResponse('A missing or bad field, an unknown field, a bad `session_id`, or a `webhook_url` outside `--webhook-allow`.', [
          ['CALLREC_ERR_INVALID_BODY', 'caller_id must be a string of 1 to 128 printable characters'],
          ['CALLREC_ERR_INVALID_ID', 'session_id must match ^[A-Za-z0-9._-]{1,64}$ (and not be "." or "..")'],
        ]),
        '401': unauthorized,
        '409': errorResponse('The `session_id` is active or already recorded.', [
          ['CALLREC_ERR_SESSION_EXISTS', `session_id "${ID}" is already in use or recorded`],
        ]),
        '413': tooLarge,
        '415': notJson,
        '503': errorResponse('No call can be started now.', [
          ['CALLREC_ERR_NO_PORTS', 'no free RTP ports'],
          ['CALLREC_ERR_SHUTTING_DOWN', 'shutting down: not taking new calls'],
          ['CALLREC_ERR_STORAGE', 'cannot write to the sessions directory (ENOSPC)'],
        ]),
      },
    },
  },
  '/api/sessions/{id}/hangup': {
    post: {
      operationId: 'hangupSession',
      tags: ['sessions'],
      summary: 'End a call',
      description:
        'Ends the call and answers once the files are complete and the mix is written: the finished `session_info.json` object (`end_reason: "api_hangup"`). A second hangup while the first is finalizing gets the same answer. No body is read.',
      parameters: [idParam('The session id.')],
      responses: {
        '200': {
          description: 'The finished call.',
          content: jsonContent(ref('SessionInfo'), {
            completed: { summary: 'completed', value: sessionInfoExample },
            discarded: {
              summary: 'discarded earlier',
              value: {
                session_id: ID,
                caller_id: '+15551234567',
                called_number: '+15559876543',
                start_time: START,
                end_time: END,
                duration_seconds: 143.53,
                status: 'discarded',
                end_reason: 'api_hangup',
                discard_reason: 'requested',
                source: 'http',
                files: {},
              },
            },
          }),
        },
        '401': unauthorized,
        '404': { $ref: '#/components/responses/NoActiveSession' },
      },
    },
  },
  '/api/sessions/{id}/pause': {
    post: {
      operationId: 'pauseSession',
      tags: ['sessions'],
      summary: 'Pause recording (PCI)',
      description: 'From now on nothing of the call is recorded until resumed. Pausing a paused call is `200` with no change.',
      parameters: [idParam('The session id.')],
      requestBody: {
        required: false,
        content: jsonContent(ref('PauseRequest'), {
          silence: { summary: 'silence (default)', value: { behavior: 'silence' } },
          skip: { summary: 'leave the span out', value: { behavior: 'skip' } },
        }),
      },
      responses: {
        '200': {
          description: 'The session, paused.',
          content: jsonContent(ref('SessionAnswer'), { paused: { summary: 'paused', value: { status: 'success', session: { ...liveSessionExample, paused: 'silence' } } } }),
        },
        '400': errorResponse('A bad `behavior` or an unknown field.', [['CALLREC_ERR_INVALID_BODY', 'behavior must be "silence" or "skip"']]),
        '401': unauthorized,
        '404': { $ref: '#/components/responses/NoActiveSession' },
        '413': tooLarge,
        '415': notJson,
      },
    },
  },
  '/api/sessions/{id}/resume': {
    post: {
      operationId: 'resumeSession',
      tags: ['sessions'],
      summary: 'Resume recording',
      description: 'Resuming a call that is not paused is `200` with no change. No body is read.',
      parameters: [idParam('The session id.')],
      responses: {
        '200': { description: 'The session, recording.', content: jsonContent(ref('SessionAnswer'), { resumed: { summary: 'resumed', value: { status: 'success', session: liveSessionExample } } }) },
        '401': unauthorized,
        '404': { $ref: '#/components/responses/NoActiveSession' },
      },
    },
  },
  '/api/sessions/{id}/discard': {
    post: {
      operationId: 'discardSession',
      tags: ['sessions'],
      summary: 'Drop the call\'s recording now',
      description:
        'The files are deleted at once and nothing more is recorded; the call goes on until it ends, and its hangup answers `status: "discarded"`. Discarding again is `200` with no change. No body is read.',
      parameters: [idParam('The session id.')],
      responses: {
        '200': {
          description: 'The session, discarded.',
          content: jsonContent(ref('SessionAnswer'), { discarded: { summary: 'discarded', value: { status: 'success', session: { ...liveSessionExample, discarded: true } } } }),
        },
        '401': unauthorized,
        '404': { $ref: '#/components/responses/NoActiveSession' },
      },
    },
  },
  '/api/recordings': {
    get: {
      operationId: 'listRecordings',
      tags: ['recordings'],
      summary: 'Finished recordings, newest first',
      description:
        'Answered from the in-memory index. Filters combine (AND); `total_recordings` counts every match. Any other query parameter is a `400`, as is a parameter given twice. Write `+` as `%2B`: an unencoded `+` is a space, and a `caller_id`/`called_number` that starts with a space is a `400` saying so.',
      parameters: [
        { name: 'limit', in: 'query', description: 'Page size.', schema: { type: 'integer', minimum: 0, maximum: 1000, default: 100 }, example: 50 },
        { name: 'offset', in: 'query', description: 'Matches to skip.', schema: { type: 'integer', minimum: 0, default: 0 }, example: 50 },
        { name: 'caller_id', in: 'query', description: 'Exact match.', schema: { type: 'string' }, example: '+15551234567' },
        { name: 'called_number', in: 'query', description: 'Exact match.', schema: { type: 'string' }, example: '+15559876543' },
        { name: 'from', in: 'query', description: '`start_time` at or after this ISO 8601 time.', schema: { type: 'string', format: 'date-time' }, example: '2024-12-01T00:00:00Z' },
        { name: 'to', in: 'query', description: '`start_time` at or before this ISO 8601 time.', schema: { type: 'string', format: 'date-time' }, example: '2024-12-31T23:59:59Z' },
        { name: 'status', in: 'query', description: 'Only recordings with this status; another value is a `400`.', schema: ref('Status'), example: 'completed' },
      ],
      responses: {
        '200': { description: 'A page of recordings.', content: jsonContent(ref('RecordingList'), { page: { summary: 'one match', value: recordingListExample } }) },
        '400': errorResponse('A bad or unknown query parameter.', [
          ['CALLREC_ERR_INVALID_QUERY', 'limit must be an integer from 0 to 1000'],
        ]),
        '401': unauthorized,
      },
    },
  },
  '/api/recordings/{id}': {
    get: {
      operationId: 'getRecording',
      tags: ['recordings'],
      summary: 'One recording, with all its metadata',
      parameters: [idParam('The recording\'s session id.')],
      responses: {
        '200': {
          description: 'The recording.',
          content: jsonContent(ref('RecordingAnswer'), {
            recording: { summary: 'HTTP call', value: { status: 'success', recording: { ...sessionInfoExample, audio_files: audioFilesExample } } },
          }),
        },
        '400': errorResponse('Not a valid session id.', [['CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$']]),
        '401': unauthorized,
        '404': errorResponse('No finished recording with this id.', [['CALLREC_ERR_NOT_FOUND', `no recording "${ID}"`]]),
      },
    },
    delete: {
      operationId: 'deleteRecording',
      tags: ['recordings'],
      summary: 'Delete a finished recording',
      description: 'The directory is moved out of the way at once (gone from disk and listing), then its files are removed.',
      parameters: [idParam('The recording\'s session id.')],
      responses: {
        '200': {
          description: 'Deleted.',
          content: jsonContent(ref('Deleted'), { deleted: { summary: 'deleted', value: { status: 'success', session_id: ID, message: `recording ${ID} deleted` } } }),
        },
        '400': errorResponse('Not a valid session id.', [['CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$']]),
        '401': unauthorized,
        '404': errorResponse('No finished recording with this id.', [['CALLREC_ERR_NOT_FOUND', `no recording "${ID}"`]]),
        '409': errorResponse('The call is still being recorded: hang it up first.', [
          ['CALLREC_ERR_SESSION_ACTIVE', `session "${ID}" is still recording; hang it up first`],
        ]),
        '503': errorResponse('The directory could not be moved (e.g. no permission); the recording stays listed.', [
          ['CALLREC_ERR_STORAGE', `could not delete recording "${ID}" (EACCES)`],
        ]),
      },
    },
  },
  '/api/recordings/{id}/audio/{leg}': {
    parameters: [
      idParam('The recording\'s session id.'),
      {
        name: 'leg',
        in: 'path',
        required: true,
        description: '`incoming`, `outgoing`, `mixed`, and `stereo` or `extra_<label>` when the recording has them (its `<leg>_audio` files).',
        schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' },
        example: 'mixed',
      },
      {
        name: 'Range',
        in: 'header',
        description: 'One byte range: `bytes=first-last`, `bytes=first-` or `bytes=-n`. Several ranges, or a header that does not parse, get the whole file.',
        schema: { type: 'string' },
        example: 'bytes=0-16043',
      },
      { name: 'If-Range', in: 'header', description: 'The `ETag` or `Last-Modified` the range is for; another version gets the whole file.', schema: { type: 'string' } },
      { name: 'If-None-Match', in: 'header', description: 'The current `ETag`, `*`, or a list holding the current `ETag` (weak comparison) gets `304` with no body, whatever the `Range`.', schema: { type: 'string' }, example: '"13ae6c-193fe0a7b2c"' },
      { name: 'If-Modified-Since', in: 'header', description: 'Only without `If-None-Match`: a date not older than `Last-Modified` gets `304` with no body.', schema: { type: 'string' } },
    ],
    get: {
      operationId: 'getRecordingAudio',
      tags: ['recordings'],
      summary: 'Download one audio file',
      description: 'WAV: PCM 8000 Hz, 16-bit, mono (stereo: 2 channels), canonical 44-byte header. Only finished recordings are served.',
      responses: {
        '200': { description: 'The whole file.', headers: audioHeaders, content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } } },
        '206': {
          description: 'The requested range.',
          headers: { ...audioHeaders, 'Content-Range': { description: '`bytes first-last/size`.', schema: { type: 'string' } } },
          content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } },
        },
        '304': { description: '`If-None-Match` holds the current `ETag`: not modified, no body.', headers: { ETag: audioHeaders.ETag } },
        '400': errorResponse('Not a valid session id or leg name.', [
          ['CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$'],
          ['CALLREC_ERR_INVALID_LEG', 'leg must be incoming, outgoing, mixed, or another audio key of the recording'],
        ]),
        '401': unauthorized,
        '404': errorResponse('No such recording, or the recording has no such leg (the message lists the legs it has).', [
          ['CALLREC_ERR_NOT_FOUND', `recording "${ID}" has no stereo audio (it has: incoming, outgoing, mixed)`],
        ]),
        '409': errorResponse('The call is still being recorded.', [['CALLREC_ERR_SESSION_ACTIVE', `session "${ID}" is still recording`]]),
        '416': errorResponse(
          'The range starts at or past the end of the file, or is `bytes=-0`.',
          [['CALLREC_ERR_RANGE_NOT_SATISFIABLE', 'range "bytes=9999999-" is outside the file (1289772 bytes)']],
          { 'Content-Range': { description: '`bytes */<size>`.', schema: { type: 'string' } } },
        ),
      },
    },
    head: {
      operationId: 'headRecordingAudio',
      tags: ['recordings'],
      summary: 'Headers of one audio file',
      description: 'As GET, without the body.',
      responses: {
        '200': { description: 'The whole file\'s headers.', headers: audioHeaders },
        '206': { description: 'The range\'s headers.', headers: { ...audioHeaders, 'Content-Range': { schema: { type: 'string' } } } },
        '304': { description: 'Not modified.' },
        '400': { description: 'Not a valid session id or leg name (no body).' },
        '401': { description: 'Token missing or wrong (no body).' },
        '404': { description: 'No such recording or leg (no body).' },
        '409': { description: 'Still being recorded (no body).' },
        '416': { description: 'Range not satisfiable (no body).' },
      },
    },
  },
};

const webhooks: Record<string, JsonObject> = {
  recordingEvent: {
    post: {
      operationId: 'recordingEvent',
      summary: 'Sent by callrec to `--webhook-url` (or the call\'s `webhook_url`)',
      description:
        'One message per recording completed, recovered or discarded; at least once, retried with back-off for up to 24 h. Headers: `X-Callrec-Event`, `X-Callrec-Delivery` (the same on every retry) and, with `--webhook-secret`, `X-Callrec-Signature: sha256=<hex HMAC-SHA256 of the body>`. Any 2xx is success.',
      requestBody: {
        required: true,
        content: jsonContent(ref('WebhookMessage'), {
          completed: { summary: 'recording.completed', value: { event: 'recording.completed', recording: recordingExample } },
          discarded: {
            summary: 'recording.discarded',
            value: {
              event: 'recording.discarded',
              recording: { session_id: ID, caller_id: '+15551234567', called_number: '+15559876543', start_time: START, end_time: END, duration_seconds: 1.2, status: 'discarded', reason: 'min_duration' },
            },
          },
        }),
      },
      responses: { '200': { description: 'Any 2xx: delivered.' } },
    },
  },
};

// Any operation can fail unexpectedly: 500 CALLREC_ERR_INTERNAL, unless it documents its own 500.
const HTTP_METHODS = new Set(['get', 'head', 'post', 'put', 'patch', 'delete', 'options']);
const internalError: JsonObject = { $ref: '#/components/responses/InternalError' };
for (const item of Object.values(paths)) {
  for (const [key, operation] of Object.entries(item)) {
    if (HTTP_METHODS.has(key)) ((operation as JsonObject).responses as JsonObject)['500'] ??= internalError;
  }
}

export const openapiDocument: JsonObject = {
  openapi: '3.1.0',
  info: {
    title: 'callrec HTTP API',
    version: '0.1.0',
    summary: 'Start and end call recordings, list and download them, operate the recorder.',
    description:
      'All answers are JSON except audio downloads and `/metrics`. Errors are `{"status": "error", "error": "<message>", "code": "CALLREC_ERR_…"}`. ' +
      'A path that exists but not for the method is `405` with an `Allow` header (`CALLREC_ERR_METHOD_NOT_ALLOWED`; `501` for a method no route takes); an unknown path is `404`. ' +
      'An unexpected failure is `500` `CALLREC_ERR_INTERNAL` with no detail. With `--api-token`, every request but `GET /healthz` and `GET /openapi.json` needs `Authorization: Bearer <token>`, unknown paths included.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: 'http://127.0.0.1:8080', description: 'the defaults (`--http-host`, `--http-port`)' }],
  tags: [
    { name: 'sessions', description: 'Calls being recorded' },
    { name: 'recordings', description: 'Finished recordings' },
    { name: 'operations', description: 'Health, metrics, this document' },
  ],
  security: [{ bearerAuth: [] }],
  paths,
  webhooks,
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description:
          'Only when the recorder runs with `--api-token` (or `CALLREC_API_TOKEN`): then `/api/*` and `/metrics` need `Authorization: Bearer <token>`. Without it the API is open.',
      },
    },
    schemas,
    responses,
  },
};
