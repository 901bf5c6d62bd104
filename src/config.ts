/**
 * Command-line flags and environment → a frozen, typed Config (SPEC §1).
 * The only reader of process.env. Every problem is one clear line, thrown as
 * CALLREC_ERR_CONFIG before anything is bound or recorded; flags win over env.
 */
import os from 'node:os';
import { ArgsError, readArgs } from './cli-args.js';
import { callrecError } from './errors.js';
import { OTHER_KNOWN_VARIABLES, unknownVariables } from './env-names.js';
import type { UnknownVariable } from './env-names.js';
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
  /**
   * What set each setting that was given, by flag name without dashes:
   * `--rtp-host` or `CALLREC_RTP_HOST`. A default has no entry. Checks made
   * after parsing (binding a port) name it, and tell a default from a choice.
   */
  readonly sources: Readonly<Record<string, string>>;
}

/** The flag or variable to name in a message about a setting (the flag for a default). */
export function settingSource(config: Pick<Config, 'sources'>, name: string): string {
  return config.sources[name] ?? `--${name}`;
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

/**
 * Each worker is a drain thread with its own 32 MiB packet ring: 64 of them
 * are 2 GiB of rings, already more threads than the cores of most machines
 * that run a recorder (beyond the cores, more workers only add switching).
 * A bigger number is a typo (1000 would ask for 32 GiB), not a tuning.
 */
export const MAX_WORKERS = 64;

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

/*
 * The parsers below take `name`: the flag or the variable the value came
 * from, as the user wrote it, so a message points at what to fix.
 */

function parsePort(name: string, value: string, allowZero: boolean): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) fail(`${name}: "${value}" is not a valid port`);
  return n;
}

function parsePositive(name: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    fail(`${name}: "${value}" must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

function parseNonNegative(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) fail(`${name}: "${value}" must be a number >= 0`);
  return n;
}

function parseUrl(name: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`${name}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${name}: "${value}" must be http or https`);
  return url.href;
}

function parseAllow(name: string, value: string | undefined): WebhookAllowRule[] | null {
  if (value === undefined) return null;
  try {
    return parseWebhookAllow(value);
  } catch (err) {
    fail(`${name}: ${(err as Error).message}`);
  }
}

/**
 * A command without a shell: a JSON array of strings, or words split on
 * white space with '…' and "…" quoting (no expansion of any kind).
 */
export function parseCommand(value: string | undefined, name = '--on-complete'): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      fail(`${name}: not a valid JSON array`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
      fail(`${name}: the JSON array must hold at least one string and only strings`);
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
    if (m === null) fail(`${name}: unbalanced quote`);
    words.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, (_q, d: string | undefined, s: string | undefined) => d ?? s ?? ''));
    at = word.lastIndex;
    space.lastIndex = at;
    if (space.exec(trimmed) !== null) at = space.lastIndex;
    else if (at < trimmed.length) fail(`${name}: unbalanced quote`);
  }
  return words;
}

/** Unknown CALLREC_* variables, for the caller to log once it has a logger. */
export type ParsedCli = { help: true } | { help: false; config: Config; unknownVariables: UnknownVariable[] };

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCli {
  let values: Record<string, string | true>;
  try {
    values = readArgs(argv, FLAGS);
  } catch (err) {
    if (err instanceof ArgsError) fail(err.message);
    throw err;
  }
  if (values.help === true) return { help: true };

  const fromEnv = (name: string): string | undefined => {
    const value = env[FLAGS[name].env];
    return value === '' ? undefined : value;
  };

  const get = (name: string): string | undefined => {
    const flag = values[name];
    if (typeof flag === 'string') {
      if (flag.trim() === '') fail(`--${name}: an empty value is not allowed`);
      return flag;
    }
    return fromEnv(name) ?? FLAGS[name].default;
  };

  /** What set a value, for messages: the flag when given, else its variable when set, else the flag (a default). */
  const source = (name: string): string => (values[name] === undefined && fromEnv(name) !== undefined ? FLAGS[name].env : `--${name}`);

  /** A secret given directly or as `<name>-file`; both at once is refused (which one would win is a guess). */
  const secret = (name: string, setting: SecretFile['setting']): { value: string | null; file: SecretFile | null } => {
    const value = get(name);
    const file = get(`${name}-file`);
    if (value !== undefined && file !== undefined) fail(`${source(name)} and ${source(`${name}-file`)} are both given: use one`);
    return { value: value ?? null, file: file === undefined ? null : { setting, path: file, source: source(`${name}-file`) } };
  };

  const getSwitch = (name: string): boolean => {
    if (values[name] === true) return true;
    const value = fromEnv(name);
    if (value === undefined) return false;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    fail(`${FLAGS[name].env}: "${value}" must be true or false`);
  };

  /** A number setting by its parser, named after where it came from. */
  const number = (name: string, parse: (label: string, value: string) => number): number => parse(source(name), get(name) as string);
  const positive = (integer: boolean) => (label: string, value: string) => parsePositive(label, value, integer);

  const ringBytes = env.CALLREC_TEST_RING_BYTES === undefined ? 0 : parsePositive('CALLREC_TEST_RING_BYTES', env.CALLREC_TEST_RING_BYTES, true);
  if (ringBytes !== 0 && (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0)) fail('CALLREC_TEST_RING_BYTES must be a power of two >= 4096');

  const range = get('rtp-ports') as string;
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m) fail(`${source('rtp-ports')}: "${range}" must look like 20000-29999`);
  const rtpPortMin = parsePort(source('rtp-ports'), m[1], false);
  const rtpPortMax = parsePort(source('rtp-ports'), m[2], false);
  const firstEven = rtpPortMin + (rtpPortMin % 2);
  if (rtpPortMax < firstEven + 2) fail(`${source('rtp-ports')}: "${range}" holds fewer than two even ports (one call needs two)`);

  const workers = get('workers') === undefined ? Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism() - 1)) : number('workers', positive(true));
  if (workers > MAX_WORKERS) fail(`${source('workers')}: "${workers}" is more than ${MAX_WORKERS}, the most allowed (each worker is a thread with its own 32 MiB packet ring)`);
  const logLevel = get('log-level') as string;
  if (!LOG_LEVELS.has(logLevel)) fail(`${source('log-level')}: "${logLevel}" is not one of ${[...LOG_LEVELS].join(', ')}`);
  const rtpHost = get('rtp-host') as string;
  const token = secret('api-token', 'apiToken');
  const webhookSecret = secret('webhook-secret', 'webhookSecret');
  const rtpIo = get('rtp-io') as string;
  if (rtpIo !== 'auto' && rtpIo !== 'native' && rtpIo !== 'dgram') fail(`${source('rtp-io')}: "${rtpIo}" is not one of auto, native, dgram`);

  const config: Config = {
    httpHost: get('http-host') as string,
    httpPort: number('http-port', (label, value) => parsePort(label, value, true)),
    rtpHost,
    publicHost: get('public-host') ?? rtpHost,
    rtpPortMin,
    rtpPortMax,
    sipPort: number('sip-port', (label, value) => parsePort(label, value, true)),
    sessionsDir: get('sessions-dir') as string,
    workers,
    apiToken: token.value,
    secretFiles: [token.file, webhookSecret.file].filter((f): f is SecretFile => f !== null),
    rtpTimeoutSeconds: number('rtp-timeout', positive(false)),
    rtpIo,
    retentionDays: get('retention-days') === undefined ? null : number('retention-days', positive(false)),
    logLevel,
    stereo: getSwitch('stereo'),
    webhookUrl: parseUrl(source('webhook-url'), get('webhook-url')),
    webhookSecret: webhookSecret.value,
    webhookAllow: parseAllow(source('webhook-allow'), get('webhook-allow')),
    onComplete: parseCommand(get('on-complete'), source('on-complete')),
    onCompleteTimeoutSeconds: number('on-complete-timeout', positive(false)),
    onCompleteConcurrency: number('on-complete-concurrency', positive(true)),
    minDurationSeconds: number('min-duration', parseNonNegative),
    testRingBytes: ringBytes,
    testSlowPacketMs: env.CALLREC_TEST_SLOW_PACKET_MS === undefined ? 0 : parsePositive('CALLREC_TEST_SLOW_PACKET_MS', env.CALLREC_TEST_SLOW_PACKET_MS, false),
    sources: Object.freeze(Object.fromEntries(Object.keys(FLAGS).filter((name) => values[name] !== undefined || fromEnv(name) !== undefined).map((name) => [name, source(name)]))),
  };
  const known = [...Object.values(FLAGS).map((spec) => spec.env), ...OTHER_KNOWN_VARIABLES];
  return { help: false, config: Object.freeze(config), unknownVariables: unknownVariables(env, known) };
}
