/**
 * Command-line flags and environment → a frozen, typed Config (SPEC §1).
 * The only reader of process.env. Every problem is one clear line, thrown as
 * CALLREC_ERR_CONFIG before anything is bound or recorded; flags win over env.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { callrecError } from './errors.js';
import { parseWebhookAllow } from './webhook/allow.js';
import type { WebhookAllowRule } from './webhook/allow.js';

/** A secret to be read from a file at start (src/secret-files.ts), so it is not on the command line. */
export interface SecretFile {
  readonly setting: 'apiToken' | 'webhookSecret';
  readonly path: string;
  /** The flag or variable that named the file, for messages. */
  readonly source: string;
}

export interface Config {
  readonly httpHost: string;
  readonly httpPort: number;
  readonly rtpHost: string;
  readonly publicHost: string;
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  readonly sipPort: number;
  readonly sessionsDir: string;
  readonly workers: number;
  readonly apiToken: string | null;
  /** --api-token-file, --webhook-secret-file: read by readSecretFiles() before anything listens. */
  readonly secretFiles: readonly SecretFile[];
  readonly rtpTimeoutSeconds: number;
  /** How RTP is read: the native batch receiver, node:dgram, or native where it loaded (auto). */
  readonly rtpIo: 'auto' | 'native' | 'dgram';
  readonly retentionDays: number | null;
  readonly logLevel: string;
  /** Also write stereo_*.wav (left = incoming, right = outgoing) at hangup. */
  readonly stereo: boolean;
  /** POST each completed/recovered recording here (null: off). */
  readonly webhookUrl: string | null;
  /** HMAC-SHA256 key for X-Callrec-Signature (null: unsigned). */
  readonly webhookSecret: string | null;
  /** Hosts a per-call webhook_url may name (null: any host). */
  readonly webhookAllow: readonly WebhookAllowRule[] | null;
  /** Post-processing command and its arguments, run without a shell (null: off). */
  readonly onComplete: readonly string[] | null;
  readonly onCompleteTimeoutSeconds: number;
  readonly onCompleteConcurrency: number;
  /** Calls shorter than this are discarded at hangup (0: keep all). */
  readonly minDurationSeconds: number;
  /**
   * Test only (env CALLREC_TEST_SLOW_PACKET_MS, no flag): each worker sleeps
   * this long per packet, to prove that a slow consumer drops and counts.
   */
  readonly testSlowPacketMs: number;
  /** Test only (env CALLREC_TEST_RING_BYTES): ring capacity, a power of two; 0 = default. */
  readonly testRingBytes: number;
}

interface FlagSpec {
  env: string;
  help: string;
  default?: string;
  /** A switch: `--stereo`, or env `1`/`true`/`0`/`false`. */
  boolean?: true;
}

export const FLAGS: Record<string, FlagSpec> = {
  'http-host': { env: 'CALLREC_HTTP_HOST', default: '127.0.0.1', help: 'address the HTTP API listens on' },
  'http-port': { env: 'CALLREC_HTTP_PORT', default: '8080', help: 'HTTP API port' },
  'rtp-host': { env: 'CALLREC_RTP_HOST', default: '127.0.0.1', help: 'address the RTP sockets bind to' },
  'public-host': { env: 'CALLREC_PUBLIC_HOST', help: 'address announced to RTP senders (default: --rtp-host)' },
  'rtp-ports': { env: 'CALLREC_RTP_PORTS', default: '20000-29999', help: 'RTP port range; even ports are handed out' },
  'sip-port': { env: 'CALLREC_SIP_PORT', default: '5060', help: 'SIP/SIPREC port (UDP and TCP); 0 turns SIP off' },
  'sessions-dir': { env: 'CALLREC_SESSIONS_DIR', default: './sessions', help: 'where recordings are written' },
  workers: { env: 'CALLREC_WORKERS', help: 'recording worker threads (default: cores - 1, at least 1)' },
  'api-token': { env: 'CALLREC_API_TOKEN', help: 'require "Authorization: Bearer <token>" on /api/* and /metrics' },
  'api-token-file': { env: 'CALLREC_API_TOKEN_FILE', help: 'read --api-token from this file (not visible in ps)' },
  'rtp-timeout': { env: 'CALLREC_RTP_TIMEOUT', default: '60', help: 'seconds without RTP on both legs that end a call' },
  'rtp-io': { env: 'CALLREC_RTP_IO', default: 'auto', help: 'RTP receive path: native (epoll + recvmmsg), dgram (node:dgram) or auto' },
  'retention-days': { env: 'CALLREC_RETENTION_DAYS', help: 'delete finished recordings older than this (default: keep)' },
  'log-level': { env: 'CALLREC_LOG_LEVEL', default: 'info', help: 'fatal, error, warn, info, debug or trace' },
  stereo: { env: 'CALLREC_STEREO', boolean: true, help: 'also write stereo_*.wav (left = incoming, right = outgoing)' },
  'webhook-url': { env: 'CALLREC_WEBHOOK_URL', help: 'POST each finished recording (JSON) to this http(s) URL' },
  'webhook-secret': { env: 'CALLREC_WEBHOOK_SECRET', help: 'sign webhook bodies: X-Callrec-Signature: sha256=<hex HMAC>' },
  'webhook-secret-file': { env: 'CALLREC_WEBHOOK_SECRET_FILE', help: 'read --webhook-secret from this file (not visible in ps)' },
  'webhook-allow': { env: 'CALLREC_WEBHOOK_ALLOW', help: 'hosts a per-call webhook_url may name: host, *.domain, IP, [IPv6], optional :port, comma-separated (default: any)' },
  'on-complete': { env: 'CALLREC_ON_COMPLETE', help: 'command run with the session directory as last argument (JSON array or words; no shell)' },
  'on-complete-timeout': { env: 'CALLREC_ON_COMPLETE_TIMEOUT', default: '300', help: 'seconds before the on-complete command is killed' },
  'on-complete-concurrency': { env: 'CALLREC_ON_COMPLETE_CONCURRENCY', default: '2', help: 'on-complete commands running at once' },
  'min-duration': { env: 'CALLREC_MIN_DURATION', default: '0', help: 'discard calls shorter than this many seconds' },
};

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function usage(): string {
  const lines = ['Usage: callrec [options]', '', 'Records G.711 RTP calls to WAV files. Options (each also an environment variable):', ''];
  for (const [name, spec] of Object.entries(FLAGS)) {
    const def = spec.default === undefined ? '' : ` (default: ${spec.default})`;
    lines.push(`  --${name.padEnd(24)} ${spec.env.padEnd(32)} ${spec.help}${def}`);
  }
  lines.push(`  --${'help'.padEnd(24)} ${''.padEnd(32)} show this help`);
  return lines.join('\n');
}

function fail(message: string): never {
  throw callrecError('CALLREC_ERR_CONFIG', message);
}

function parsePort(flag: string, value: string, allowZero: boolean): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) fail(`--${flag}: "${value}" is not a valid port`);
  return n;
}

function parsePositive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    fail(`--${flag}: "${value}" must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

function parseNonNegative(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) fail(`--${flag}: "${value}" must be a number >= 0`);
  return n;
}

function parseUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`--webhook-url: "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`--webhook-url: "${value}" must be http or https`);
  return url.href;
}

function parseAllow(value: string | undefined): WebhookAllowRule[] | null {
  if (value === undefined) return null;
  try {
    return parseWebhookAllow(value);
  } catch (err) {
    fail(`--webhook-allow: ${(err as Error).message}`);
  }
}

/**
 * A command without a shell: a JSON array of strings, or words split on
 * white space with '…' and "…" quoting (no expansion of any kind).
 */
export function parseCommand(value: string | undefined): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      fail('--on-complete: not a valid JSON array');
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
      fail('--on-complete: the JSON array must hold at least one string and only strings');
    }
    return parsed as string[];
  }
  const words: string[] = [];
  // A word is a run of quoted parts and plain characters: a"b c"d is one word, ab cd.
  const word = /(?:"[^"]*"|'[^']*'|[^\s"'])+/y;
  const space = /\s+/y;
  let at = 0;
  while (at < trimmed.length) {
    word.lastIndex = at;
    const m = word.exec(trimmed);
    if (m === null) fail('--on-complete: unbalanced quote');
    words.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, (_q, d: string | undefined, s: string | undefined) => d ?? s ?? ''));
    at = word.lastIndex;
    space.lastIndex = at;
    if (space.exec(trimmed) !== null) at = space.lastIndex;
    else if (at < trimmed.length) fail('--on-complete: unbalanced quote');
  }
  return words;
}

export type ParsedCli = { help: true } | { help: false; config: Config };

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCli {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(FLAGS)) options[name] = { type: spec.boolean ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    fail((err as Error).message.split('\n')[0]);
  }
  if (values.help === true) return { help: true };

  const get = (name: string): string | undefined => {
    const flag = values[name];
    if (typeof flag === 'string') {
      if (flag.trim() === '') fail(`--${name}: an empty value is not allowed`);
      return flag;
    }
    const fromEnv = env[FLAGS[name].env];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return FLAGS[name].default;
  };

  /** What set a value, for messages: the flag when given, else its variable. */
  const source = (name: string): string => (values[name] !== undefined ? `--${name}` : FLAGS[name].env);

  /** A secret given directly or as `<name>-file`; both at once is refused (which one would win is a guess). */
  const secret = (name: string, setting: SecretFile['setting']): { value: string | null; file: SecretFile | null } => {
    const value = get(name);
    const file = get(`${name}-file`);
    if (value !== undefined && file !== undefined) fail(`${source(name)} and ${source(`${name}-file`)} are both given: use one`);
    return { value: value ?? null, file: file === undefined ? null : { setting, path: file, source: source(`${name}-file`) } };
  };

  const getSwitch = (name: string): boolean => {
    if (values[name] === true) return true;
    const fromEnv = env[FLAGS[name].env];
    if (fromEnv === undefined || fromEnv === '') return false;
    if (/^(1|true|yes|on)$/i.test(fromEnv)) return true;
    if (/^(0|false|no|off)$/i.test(fromEnv)) return false;
    fail(`${FLAGS[name].env}: "${fromEnv}" must be true or false`);
  };

  const ringBytes = env.CALLREC_TEST_RING_BYTES === undefined ? 0 : parsePositive('CALLREC_TEST_RING_BYTES', env.CALLREC_TEST_RING_BYTES, true);
  if (ringBytes !== 0 && (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0)) fail('CALLREC_TEST_RING_BYTES must be a power of two >= 4096');

  const range = get('rtp-ports') as string;
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m) fail(`--rtp-ports: "${range}" must look like 20000-29999`);
  const rtpPortMin = parsePort('rtp-ports', m[1], false);
  const rtpPortMax = parsePort('rtp-ports', m[2], false);
  const firstEven = rtpPortMin + (rtpPortMin % 2);
  if (rtpPortMax < firstEven + 2) fail(`--rtp-ports: "${range}" holds fewer than two even ports (one call needs two)`);

  const workersValue = get('workers');
  const workers = workersValue === undefined ? Math.max(1, os.availableParallelism() - 1) : parsePositive('workers', workersValue, true);
  const retention = get('retention-days');
  const logLevel = get('log-level') as string;
  if (!LOG_LEVELS.has(logLevel)) fail(`--log-level: "${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`);
  const rtpHost = get('rtp-host') as string;
  const token = secret('api-token', 'apiToken');
  const webhookSecret = secret('webhook-secret', 'webhookSecret');
  const rtpIo = get('rtp-io') as string;
  if (rtpIo !== 'auto' && rtpIo !== 'native' && rtpIo !== 'dgram') fail(`--rtp-io: "${rtpIo}" is not one of auto, native, dgram`);

  const config: Config = {
    httpHost: get('http-host') as string,
    httpPort: parsePort('http-port', get('http-port') as string, true),
    rtpHost,
    publicHost: get('public-host') ?? rtpHost,
    rtpPortMin,
    rtpPortMax,
    sipPort: parsePort('sip-port', get('sip-port') as string, true),
    sessionsDir: get('sessions-dir') as string,
    workers,
    apiToken: token.value,
    secretFiles: [token.file, webhookSecret.file].filter((f): f is SecretFile => f !== null),
    rtpTimeoutSeconds: parsePositive('rtp-timeout', get('rtp-timeout') as string, false),
    rtpIo,
    retentionDays: retention === undefined ? null : parsePositive('retention-days', retention, false),
    logLevel,
    stereo: getSwitch('stereo'),
    webhookUrl: parseUrl(get('webhook-url')),
    webhookSecret: webhookSecret.value,
    webhookAllow: parseAllow(get('webhook-allow')),
    onComplete: parseCommand(get('on-complete')),
    onCompleteTimeoutSeconds: parsePositive('on-complete-timeout', get('on-complete-timeout') as string, false),
    onCompleteConcurrency: parsePositive('on-complete-concurrency', get('on-complete-concurrency') as string, true),
    minDurationSeconds: parseNonNegative('min-duration', get('min-duration') as string),
    testRingBytes: ringBytes,
    testSlowPacketMs: env.CALLREC_TEST_SLOW_PACKET_MS === undefined ? 0 : parsePositive('CALLREC_TEST_SLOW_PACKET_MS', env.CALLREC_TEST_SLOW_PACKET_MS, false),
  };
  return { help: false, config: Object.freeze(config) };
}
