/**
 * parseConfig (SPEC §1): defaults, environment, flags over environment, and
 * every bad value refused at start with CALLREC_ERR_CONFIG and one line.
 */
import os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLAGS, MAX_WORKERS, parseConfig, settingSource, usage } from '../src/config.js';
import type { Config } from '../src/config.js';
import { CallrecError } from '../src/errors.js';

function config(argv: string[] = [], env: Record<string, string> = {}): Config {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

/** The SPEC §1 fields of a config. */
function specFields(c: Config) {
  return {
    httpHost: c.httpHost,
    httpPort: c.httpPort,
    rtpHost: c.rtpHost,
    publicHost: c.publicHost,
    rtpPortMin: c.rtpPortMin,
    rtpPortMax: c.rtpPortMax,
    sipPort: c.sipPort,
    sessionsDir: c.sessionsDir,
    workers: c.workers,
    apiToken: c.apiToken,
    rtpTimeoutSeconds: c.rtpTimeoutSeconds,
    retentionDays: c.retentionDays,
    logLevel: c.logLevel,
  };
}

test('defaults (SPEC §1 table)', () => {
  assert.equal(specFields(config()), {
    httpHost: '127.0.0.1',
    httpPort: 8080,
    rtpHost: '127.0.0.1',
    publicHost: '127.0.0.1',
    rtpPortMin: 20000,
    rtpPortMax: 29999,
    sipPort: 5060,
    sessionsDir: './sessions',
    workers: Math.max(1, os.availableParallelism() - 1),
    apiToken: null,
    rtpTimeoutSeconds: 60,
    retentionDays: null,
    logLevel: 'info',
  });
  assert.ok(config().workers >= 1);
});

test('the config is frozen', () => {
  const c = config();
  assert.ok(Object.isFrozen(c));
  assert.is(Reflect.set(c, 'httpPort', 1), false);
  assert.is(c.httpPort, 8080);
});

const ENV = {
  CALLREC_HTTP_HOST: '0.0.0.0',
  CALLREC_HTTP_PORT: '9090',
  CALLREC_RTP_HOST: '10.0.0.5',
  CALLREC_PUBLIC_HOST: '203.0.113.7',
  CALLREC_RTP_PORTS: '30000-30099',
  CALLREC_SIP_PORT: '0',
  CALLREC_SESSIONS_DIR: '/var/lib/callrec',
  CALLREC_WORKERS: '3',
  CALLREC_API_TOKEN: 's3cret',
  CALLREC_RTP_TIMEOUT: '2.5',
  CALLREC_RETENTION_DAYS: '30',
  CALLREC_LOG_LEVEL: 'debug',
};

test('every SPEC variable is read from the environment', () => {
  assert.equal(specFields(config([], ENV)), {
    httpHost: '0.0.0.0',
    httpPort: 9090,
    rtpHost: '10.0.0.5',
    publicHost: '203.0.113.7',
    rtpPortMin: 30000,
    rtpPortMax: 30099,
    sipPort: 0,
    sessionsDir: '/var/lib/callrec',
    workers: 3,
    apiToken: 's3cret',
    rtpTimeoutSeconds: 2.5,
    retentionDays: 30,
    logLevel: 'debug',
  });
});

test('the flag/env pairs are the SPEC ones', () => {
  const want: Record<string, string> = {
    'http-host': 'CALLREC_HTTP_HOST', 'http-port': 'CALLREC_HTTP_PORT', 'rtp-host': 'CALLREC_RTP_HOST',
    'public-host': 'CALLREC_PUBLIC_HOST', 'rtp-ports': 'CALLREC_RTP_PORTS', 'sip-port': 'CALLREC_SIP_PORT',
    'sessions-dir': 'CALLREC_SESSIONS_DIR', workers: 'CALLREC_WORKERS', 'api-token': 'CALLREC_API_TOKEN',
    'rtp-timeout': 'CALLREC_RTP_TIMEOUT', 'retention-days': 'CALLREC_RETENTION_DAYS', 'log-level': 'CALLREC_LOG_LEVEL',
  };
  for (const [flag, env] of Object.entries(want)) assert.is(FLAGS[flag]?.env, env, flag);
});

test('flags win over the environment; both --flag value and --flag=value', () => {
  const argv = [
    '--http-host', '192.0.2.1', '--http-port=7070', '--rtp-host', '192.0.2.2', '--public-host=198.51.100.1',
    '--rtp-ports', '40000-40010', '--sip-port', '5080', '--sessions-dir=/srv/rec', '--workers', '1',
    '--api-token', 'flagtoken', '--rtp-timeout', '15', '--retention-days=7', '--log-level', 'warn',
  ];
  assert.equal(specFields(config(argv, ENV)), {
    httpHost: '192.0.2.1',
    httpPort: 7070,
    rtpHost: '192.0.2.2',
    publicHost: '198.51.100.1',
    rtpPortMin: 40000,
    rtpPortMax: 40010,
    sipPort: 5080,
    sessionsDir: '/srv/rec',
    workers: 1,
    apiToken: 'flagtoken',
    rtpTimeoutSeconds: 15,
    retentionDays: 7,
    logLevel: 'warn',
  });
});

test('--public-host defaults to the --rtp-host value, from a flag or the environment', () => {
  assert.is(config(['--rtp-host', '10.1.1.1']).publicHost, '10.1.1.1');
  assert.is(config([], { CALLREC_RTP_HOST: '10.2.2.2' }).publicHost, '10.2.2.2');
  assert.is(config(['--rtp-host', '10.1.1.1'], { CALLREC_PUBLIC_HOST: '10.3.3.3' }).publicHost, '10.3.3.3');
});

test('an empty environment variable counts as unset', () => {
  assert.equal(specFields(config([], Object.fromEntries(Object.keys(ENV).map((k) => [k, ''])))), specFields(config()));
});

test('port 0: allowed for HTTP (any free port) and SIP (off), not in the RTP range', () => {
  assert.is(config(['--http-port', '0']).httpPort, 0);
  assert.is(config(['--sip-port', '0']).sipPort, 0);
  assertConfigError(() => config(['--rtp-ports', '0-100']), /rtp-ports/);
});

test('RTP range edges: two even ports are enough; 65535 is the top', () => {
  assert.equal([config(['--rtp-ports', '20000-20002']).rtpPortMin, config(['--rtp-ports', '20000-20002']).rtpPortMax], [20000, 20002]);
  assert.is(config(['--rtp-ports', '20001-20004']).rtpPortMin, 20001);
  assert.is(config(['--rtp-ports', '65530-65535']).rtpPortMax, 65535);
});

test('the environment is read only from the env argument when one is given; process.env by default', () => {
  const saved = process.env.CALLREC_HTTP_PORT;
  try {
    process.env.CALLREC_HTTP_PORT = '1234';
    assert.is(config([], {}).httpPort, 8080);
    const parsed = parseConfig([]);
    assert.ok(!parsed.help && parsed.config.httpPort === 1234);
  } finally {
    if (saved === undefined) delete process.env.CALLREC_HTTP_PORT;
    else process.env.CALLREC_HTTP_PORT = saved;
  }
});

function assertConfigError(fn: () => unknown, mentions: RegExp, label = String(mentions)): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error !== undefined, `${label}: accepted`);
  assert.ok(error instanceof CallrecError, `${label}: threw ${String(error)}, not a CallrecError`);
  const e = error as CallrecError;
  assert.is(e.code, 'CALLREC_ERR_CONFIG', label);
  assert.ok(e.message.length > 0 && !e.message.includes('\n'), `${label}: message is not one line: ${JSON.stringify(e.message)}`);
  assert.match(e.message, mentions, label);
}

const BAD: [string[], Record<string, string>, RegExp][] = [
  [['--nope'], {}, /nope/],
  [['--http-port'], {}, /http-port/],
  [['serve'], {}, /serve|positional/i],
  [['--http-port', 'abc'], {}, /http-port.*abc/],
  [['--http-port', '65536'], {}, /http-port.*65536/],
  [['--http-port', '-1'], {}, /http-port/],
  [['--http-port', '80.5'], {}, /http-port/],
  [['--http-port', ' 80'], {}, /http-port/],
  [['--http-port='], {}, /http-port/],
  [[], { CALLREC_HTTP_PORT: 'eighty' }, /^CALLREC_HTTP_PORT: "eighty"/],
  [['--sip-port', 'x'], {}, /sip-port/],
  [['--sip-port', '70000'], {}, /sip-port/],
  [['--rtp-ports', 'abc'], {}, /rtp-ports.*abc/],
  [['--rtp-ports', '20000'], {}, /rtp-ports/],
  [['--rtp-ports', '20000-'], {}, /rtp-ports/],
  [['--rtp-ports', '20000-70000'], {}, /rtp-ports/],
  [['--rtp-ports', '30000-20000'], {}, /rtp-ports/],
  [['--rtp-ports', '20000-20001'], {}, /rtp-ports.*two even ports/],
  [['--rtp-ports', '20001-20003'], {}, /rtp-ports.*two even ports/],
  [[], { CALLREC_RTP_PORTS: '1-2-3' }, /^CALLREC_RTP_PORTS: /],
  [['--workers', '0'], {}, /workers/],
  [['--workers', '1.5'], {}, /workers/],
  [['--workers', 'many'], {}, /workers/],
  [['--workers', '-2'], {}, /workers/],
  [['--rtp-timeout', '0'], {}, /rtp-timeout/],
  [['--rtp-timeout', '-5'], {}, /rtp-timeout/],
  [['--rtp-timeout', 'soon'], {}, /rtp-timeout/],
  [['--rtp-timeout', 'Infinity'], {}, /rtp-timeout/],
  [['--rtp-timeout='], {}, /rtp-timeout/],
  [['--retention-days', '0'], {}, /retention-days/],
  [['--retention-days', 'forever'], {}, /retention-days/],
  [['--log-level', 'loud'], {}, /log-level.*loud/],
  [[], { CALLREC_LOG_LEVEL: 'verbose' }, /^CALLREC_LOG_LEVEL: "verbose"/],
];

for (const [argv, env, mentions] of BAD) {
  test(`refused with CALLREC_ERR_CONFIG and one line: ${JSON.stringify(argv)} ${JSON.stringify(env)}`, () => {
    assertConfigError(() => parseConfig(argv, env), mentions, `${argv.join(' ')} ${JSON.stringify(env)}`);
  });
}

test('--on-complete with an unbalanced quote is refused (the unbalanced-quote check)', () => {
  assertConfigError(() => config(['--on-complete', 'notify "unterminated']), /on-complete.*quote/);
  assertConfigError(() => config(['--on-complete', "notify 'x"]), /on-complete.*quote/);
});

test('an empty --http-host / --rtp-host / --sessions-dir is refused (it would bind every interface, or record into the working directory)', () => {
  for (const flag of ['http-host', 'rtp-host', 'sessions-dir']) assertConfigError(() => config([`--${flag}=`]), new RegExp(flag), `--${flag}=`);
});

test('--webhook-allow: off by default (any host); the list parsed from the flag or CALLREC_WEBHOOK_ALLOW', () => {
  assert.is(config().webhookAllow, null);
  assert.equal(config(['--webhook-allow', 'hooks.example.com,*.corp.example:8443']).webhookAllow, [
    { host: 'hooks.example.com', wildcard: false, port: null },
    { host: 'corp.example', wildcard: true, port: 8443 },
  ]);
  assert.equal(config([], { CALLREC_WEBHOOK_ALLOW: '[::1]:9000' }).webhookAllow, [{ host: '[::1]', wildcard: false, port: 9000 }]);
});

test('a bad --webhook-allow entry is refused with one line naming the entry', () => {
  assertConfigError(() => config(['--webhook-allow', 'hooks.example.com,http://evil/']), /^--webhook-allow: "http:\/\/evil\/" is not a host pattern/);
  assertConfigError(() => config(['--webhook-allow', 'a.example,,b.example']), /^--webhook-allow: an empty pattern/);
  assertConfigError(() => config(['--webhook-allow', 'evil.*']), /^--webhook-allow: "evil\.\*"/);
});

test('--api-token-file / --webhook-secret-file: the files are named for readSecretFiles(), with what named them', () => {
  assert.equal(config().secretFiles, []);
  const c = config(['--api-token-file', '/etc/callrec/token'], { CALLREC_WEBHOOK_SECRET_FILE: '/etc/callrec/key' });
  assert.is(c.apiToken, null);
  assert.is(c.webhookSecret, null);
  assert.equal(c.secretFiles, [
    { setting: 'apiToken', path: '/etc/callrec/token', source: '--api-token-file' },
    { setting: 'webhookSecret', path: '/etc/callrec/key', source: 'CALLREC_WEBHOOK_SECRET_FILE' },
  ]);
});

test('a secret given directly and as a file is refused, naming both', () => {
  assertConfigError(() => config(['--api-token', 'a', '--api-token-file', '/t']), /^--api-token and --api-token-file are both given/);
  assertConfigError(() => config(['--webhook-secret-file', '/k'], { CALLREC_WEBHOOK_SECRET: 'k' }), /^CALLREC_WEBHOOK_SECRET and --webhook-secret-file are both given/);
});

test('regression (issue 11: "argument is ambiguous"): a value starting with a dash is judged by the flag\'s own rule', () => {
  assertConfigError(() => config(['--rtp-timeout', '-1']), /^--rtp-timeout: "-1" must be a positive number$/);
  assertConfigError(() => config(['--workers', '-2']), /^--workers: "-2" must be a positive integer$/);
  assertConfigError(() => config(['--http-port', '-1']), /^--http-port: "-1" is not a valid port$/);
});

test('regression (issue 11: "argument is ambiguous"): a flag given no value is named, also when another flag follows', () => {
  assertConfigError(() => config(['--rtp-timeout']), /^--rtp-timeout needs a value$/);
  assertConfigError(() => config(['--http-port', '--workers', '2']), /^--http-port needs a value \(it is followed by --workers\)$/);
  assertConfigError(() => config(['--sessions-dir', '--stereo']), /^--sessions-dir needs a value/);
  // A value that really starts with -- can still be given inline.
  assert.equal(config(['--on-complete=--notify']).onComplete, ['--notify']);
});

test('a switch given a value, a short flag, and a positional argument are each refused in plain words', () => {
  assertConfigError(() => config(['--stereo=yes']), /^--stereo is a switch and takes no value/);
  assertConfigError(() => config(['-w', '2']), /^unknown flag -w/);
  assertConfigError(() => config(['--', 'serve']), /^unexpected argument "serve"/);
});

test('regression (issue 11: errors from variables were reported under the flag\'s name): a bad variable is named', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ CALLREC_RTP_TIMEOUT: 'abc' }, /^CALLREC_RTP_TIMEOUT: "abc" must be a positive number$/],
    [{ CALLREC_WORKERS: '0' }, /^CALLREC_WORKERS: "0" must be a positive integer$/],
    [{ CALLREC_SIP_PORT: '99999' }, /^CALLREC_SIP_PORT: "99999" is not a valid port$/],
    [{ CALLREC_RTP_PORTS: '20000-20001' }, /^CALLREC_RTP_PORTS: .*two even ports/],
    [{ CALLREC_RTP_IO: 'fast' }, /^CALLREC_RTP_IO: "fast"/],
    [{ CALLREC_RETENTION_DAYS: 'never' }, /^CALLREC_RETENTION_DAYS: /],
    [{ CALLREC_MIN_DURATION: '-1' }, /^CALLREC_MIN_DURATION: /],
    [{ CALLREC_WEBHOOK_URL: 'ftp://x' }, /^CALLREC_WEBHOOK_URL: "ftp:\/\/x" must be http or https$/],
    [{ CALLREC_WEBHOOK_ALLOW: 'a b' }, /^CALLREC_WEBHOOK_ALLOW: "a b" is not a host pattern/],
    [{ CALLREC_ON_COMPLETE: 'x "y' }, /^CALLREC_ON_COMPLETE: unbalanced quote$/],
    [{ CALLREC_ON_COMPLETE_TIMEOUT: '0' }, /^CALLREC_ON_COMPLETE_TIMEOUT: /],
    [{ CALLREC_ON_COMPLETE_CONCURRENCY: '1.5' }, /^CALLREC_ON_COMPLETE_CONCURRENCY: /],
    [{ CALLREC_TEST_RING_BYTES: 'big' }, /^CALLREC_TEST_RING_BYTES: /],
  ];
  for (const [env, mentions] of cases) assertConfigError(() => config([], env), mentions, JSON.stringify(env));
  // The flag wins, and then it is the flag that is named.
  assertConfigError(() => config(['--rtp-timeout', 'x'], { CALLREC_RTP_TIMEOUT: '5' }), /^--rtp-timeout: "x"/);
});

test(`--workers: at most ${MAX_WORKERS}, said with the maximum; the default stays under it`, () => {
  assert.is(config(['--workers', String(MAX_WORKERS)]).workers, MAX_WORKERS);
  assertConfigError(() => config(['--workers', '1000']), new RegExp(`^--workers: "1000" is more than ${MAX_WORKERS}, the most allowed`));
  assertConfigError(() => config([], { CALLREC_WORKERS: '65' }), new RegExp(`^CALLREC_WORKERS: "65" is more than ${MAX_WORKERS}`));
  assert.ok(config().workers <= MAX_WORKERS);
});

test('unknown CALLREC_* variables are reported with the closest known one, and do not stop the start', () => {
  const parsed = parseConfig([], { CALLREC_RTP_TIMOUT: '5', CALLREC_HTTP_PORT: '9000', CALLREC_TEST_RING_BYTES: '4096', CALLREC_APITOKEN: 'x', HOME: '/root' });
  assert.ok(!parsed.help);
  if (parsed.help) return;
  assert.is(parsed.config.httpPort, 9000);
  assert.is(parsed.config.rtpTimeoutSeconds, 60, 'the misspelled variable had no effect');
  assert.equal(parsed.unknownVariables, [
    { variable: 'CALLREC_APITOKEN', closest: 'CALLREC_API_TOKEN' },
    { variable: 'CALLREC_RTP_TIMOUT', closest: 'CALLREC_RTP_TIMEOUT' },
  ]);
  const clean = parseConfig([], { CALLREC_SKIP_NATIVE: '1', CALLREC_TEST_WEBHOOK_BACKOFF_MS: '10', CALLREC_WEBHOOK_SECRET_FILE: '/k' });
  assert.equal(!clean.help && clean.unknownVariables, [], 'variables callrec reads outside FLAGS are known');
});

test('sources: a setting given names its flag or variable, a default has none (start-up checks name what to fix)', () => {
  const c = config(['--rtp-host', '10.0.0.5'], { CALLREC_SIP_PORT: '5070' });
  assert.equal(c.sources, { 'rtp-host': '--rtp-host', 'sip-port': 'CALLREC_SIP_PORT' });
  assert.equal([settingSource(c, 'sip-port'), settingSource(c, 'http-port')], ['CALLREC_SIP_PORT', '--http-port']);
  assert.is(config(['--sip-port', '5080'], { CALLREC_SIP_PORT: '5070' }).sources['sip-port'], '--sip-port', 'the flag wins over its variable');
});

test('--help: a help request, and usage() lists every flag with its variable', () => {
  assert.equal(parseConfig(['--help'], {}), { help: true });
  assert.equal(parseConfig(['--http-port', '1', '--help'], {}), { help: true });
  const text = usage();
  for (const [flag, spec] of Object.entries(FLAGS)) {
    assert.ok(text.includes(`--${flag}`), `--${flag} missing from usage()`);
    assert.ok(text.includes(spec.env), `${spec.env} missing from usage()`);
    if (spec.default !== undefined) assert.ok(text.includes(spec.default), `default of --${flag} missing`);
  }
  assert.ok(text.includes('--help'));
  assert.ok(text.startsWith('Usage: callrec'));
});

test.run();
