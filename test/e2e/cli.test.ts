/**
 * The command line (issue 2, point 7): --help, and bad configuration exits
 * 2 with exactly one line on stderr before anything is recorded.
 * RTP ports 40500-40599.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listSessionDirs, sleep, startCall } from '../helpers/calls.js';
import type { StartedCall } from '../helpers/calls.js';
import { killServers, runCli, startServer } from '../helpers/server.js';
import type { CliResult } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const RTP_PORTS = '40500-40599';
const SPEC_FLAGS = [
  '--http-host', '--http-port', '--rtp-host', '--public-host', '--rtp-ports', '--sip-port', '--sessions-dir',
  '--workers', '--api-token', '--rtp-timeout', '--retention-days', '--log-level',
];

const opened: StartedCall[] = [];
const blockers: net.Server[] = [];

/** Hold a loopback TCP port, as another program would; returns it. */
async function occupyPort(): Promise<number> {
  const blocker = net.createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as net.AddressInfo).port;
}

/** A loopback port free on TCP and UDP right now (released before it is returned). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await occupyPort();
    await new Promise((resolve) => blockers.pop()!.close(resolve));
    const udp = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    if (free) return port;
  }
}

test.after(async () => {
  for (const call of opened) await Promise.all([call.incoming.close(), call.outgoing.close()]);
  killServers();
  for (const b of blockers) await new Promise((resolve) => b.close(resolve));
  removeTempDirs();
});

/** Flags every run gets, so only the one under test is wrong. */
function baseArgs(sessionsDir: string): string[] {
  return ['--http-port', '0', '--sip-port', '0', '--rtp-ports', RTP_PORTS, '--workers', '1', '--sessions-dir', sessionsDir];
}

function assertConfigError(res: CliResult, what: string, mention: RegExp): void {
  assert.is(res.signal, null, `${what}: exited by itself`);
  assert.is(res.code, 2, `${what}: exit code (stderr: ${res.stderr})`);
  assert.ok(res.stderr.endsWith('\n'), `${what}: stderr is a whole line: ${JSON.stringify(res.stderr)}`);
  const lines = res.stderr.slice(0, -1).split('\n');
  assert.is(lines.length, 1, `${what}: exactly one line on stderr, got ${JSON.stringify(res.stderr)}`);
  assert.ok(lines[0].trim().length > 0, `${what}: the line says something`);
  assert.match(lines[0], mention, `${what}: the line names the problem`);
  assert.not.match(res.stderr, /\n\s+at /, `${what}: no stack trace`);
}

/** Nothing recorded: the sessions directory is absent or holds no session. */
function assertNothingRecorded(sessionsDir: string, what: string): void {
  assert.equal(listSessionDirs(sessionsDir), [], `${what}: ${sessionsDir} holds no session`);
}

test('--help exits 0 and prints the usage with every flag', async () => {
  const res = await runCli(['--help']);
  assert.is(res.code, 0);
  assert.is(res.stderr, '');
  assert.match(res.stdout, /usage/i);
  for (const flag of SPEC_FLAGS) assert.ok(res.stdout.includes(flag), `--help lists ${flag}`);
});

test('an unknown flag exits 2 with one line', async () => {
  const dir = path.join(makeTempDir('cli-unknown'), 'sessions');
  const res = await runCli([...baseArgs(dir), '--record-everything']);
  assertConfigError(res, 'unknown flag', /record-everything/);
  assertNothingRecorded(dir, 'unknown flag');
});

test('bad --rtp-ports values exit 2 with one line', async () => {
  const dir = path.join(makeTempDir('cli-ports'), 'sessions');
  for (const range of ['abc', '40500', '40599-40500', '40500-40501', '40500-70000', '-1-10', '40500-40599-40600', '']) {
    const args = [...baseArgs(dir)];
    args[args.indexOf('--rtp-ports') + 1] = range;
    const res = await runCli(args);
    assertConfigError(res, `--rtp-ports ${JSON.stringify(range)}`, /rtp-ports/);
    assertNothingRecorded(dir, `--rtp-ports ${range}`);
  }
});

test('regression (issue 11: "argument is ambiguous"): --rtp-timeout -1 exits 2 saying it needs a positive number', async () => {
  const dir = path.join(makeTempDir('cli-negative'), 'sessions');
  const res = await runCli([...baseArgs(dir), '--rtp-timeout', '-1']);
  assertConfigError(res, '--rtp-timeout -1', /^callrec: --rtp-timeout: "-1" must be a positive number$/);
  assert.not.match(res.stderr, /ambiguous/);
});

test('regression (issue 11: "argument is ambiguous"): a flag given no value exits 2 naming it', async () => {
  const dir = path.join(makeTempDir('cli-no-value'), 'sessions');
  assertConfigError(await runCli([...baseArgs(dir), '--rtp-timeout']), 'last flag without a value', /^callrec: --rtp-timeout needs a value$/);
  assertConfigError(await runCli(['--api-token', ...baseArgs(dir)]), 'flag followed by a flag', /^callrec: --api-token needs a value \(it is followed by --http-port\)$/);
});

test('regression (issue 11: errors from variables were reported under the flag\'s name): CALLREC_RTP_TIMEOUT=abc names the variable', async () => {
  const dir = path.join(makeTempDir('cli-env'), 'sessions');
  const res = await runCli(baseArgs(dir), { env: { CALLREC_RTP_TIMEOUT: 'abc' } });
  assertConfigError(res, 'CALLREC_RTP_TIMEOUT=abc', /^callrec: CALLREC_RTP_TIMEOUT: "abc" must be a positive number$/);
});

test('regression (issue 11: --workers 1000 was accepted): it exits 2 with the allowed maximum', async () => {
  const dir = path.join(makeTempDir('cli-workers'), 'sessions');
  const args = baseArgs(dir);
  args[args.indexOf('--workers') + 1] = '1000';
  assertConfigError(await runCli(args), '--workers 1000', /^callrec: --workers: "1000" is more than 64, the most allowed/);
  assertNothingRecorded(dir, '--workers 1000');
});

test('regression (issue 11: a misspelled CALLREC_* variable was silently ignored): one warning naming it and the closest variable; the start goes on', async () => {
  const dir = path.join(makeTempDir('cli-misspelled'), 'sessions');
  const server = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS, env: { CALLREC_RTP_TIMOUT: '5' } });
  const warnings = server.logs.filter((l) => l.level === 40 && String(l.msg).includes('CALLREC_RTP_TIMOUT'));
  assert.is(warnings.length, 1, JSON.stringify(server.logs.filter((l) => l.level >= 40)));
  assert.is(warnings[0].msg, 'unknown environment variable CALLREC_RTP_TIMOUT ignored; did you mean CALLREC_RTP_TIMEOUT?');
  assert.equal([warnings[0].variable, warnings[0].closest], ['CALLREC_RTP_TIMOUT', 'CALLREC_RTP_TIMEOUT']);
  assert.is((await server.request('GET', '/healthz')).status, 200);
  assert.equal(await server.stop(), { code: 0, signal: null });
});

test('an unwritable --sessions-dir (under a regular file) exits 2 with one line', async () => {
  const base = makeTempDir('cli-unwritable');
  const file = path.join(base, 'a-file');
  writeFileSync(file, 'not a directory\n');
  const res = await runCli(baseArgs(path.join(file, 'sessions')));
  assertConfigError(res, 'unwritable sessions dir', /sessions-dir|a-file/);
  assert.ok(statSync(file).isFile(), 'the file is still a file');
  assert.is(readFileSync(file, 'utf8'), 'not a directory\n');
});

test('regression (issue 11, defect 10: mkdir -p looped forever): --sessions-dir /proc/foo exits 2 with one line', async () => {
  const res = await runCli([...baseArgs('/proc/callrec-test-sessions')], { timeoutMs: 8000 });
  assertConfigError(res, '/proc sessions dir', /sessions-dir.*\/proc\/callrec-test-sessions/);
});

test('regression (issue 11, defect 6: a bad --rtp-host passed start-up, then every call failed): it exits 2 with one line saying why', async () => {
  const dir = path.join(makeTempDir('cli-rtp-host'), 'sessions');
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
  const absent = await runCli([...baseArgs(dir), '--rtp-host', '192.0.2.1']);
  assertConfigError(absent, '--rtp-host 192.0.2.1', /^callrec: --rtp-host: cannot bind 192\.0\.2\.1: not an address of this machine \(EADDRNOTAVAIL\)$/);
  assertNothingRecorded(dir, '--rtp-host 192.0.2.1');
  for (const host of ['not-an-address', '::1', '10.0.0']) {
    assertConfigError(await runCli([...baseArgs(dir), '--rtp-host', host]), `--rtp-host ${host}`, new RegExp(`^callrec: --rtp-host: "${host.replace(/\./g, '\\.')}" is not an IPv4 address$`));
  }
  const fromEnv = await runCli(baseArgs(dir), { env: { CALLREC_RTP_HOST: '192.0.2.1' } });
  assertConfigError(fromEnv, 'CALLREC_RTP_HOST=192.0.2.1', /^callrec: CALLREC_RTP_HOST: cannot bind 192\.0\.2\.1: not an address of this machine/);
});

test('regression (issue 11: a missing --on-complete command was accepted): a program that does not exist or cannot be run exits 2 naming the flag', async () => {
  const base = makeTempDir('cli-on-complete');
  const dir = path.join(base, 'sessions');
  const plain = path.join(base, 'not-executable.sh');
  writeFileSync(plain, '#!/bin/sh\n');
  chmodSync(plain, 0o644);
  const cases: [string, string, RegExp][] = [
    ['a path that does not exist', '/no/such/program', /^callrec: --on-complete: the program \/no\/such\/program does not exist$/],
    ['a command line whose program does not exist', '/no/such/program --bucket calls', /^callrec: --on-complete: the program \/no\/such\/program does not exist$/],
    ['a JSON array whose program does not exist', '["/no/such/program", "--bucket"]', /^callrec: --on-complete: the program \/no\/such\/program does not exist$/],
    ['a file without the execute bit', plain, /^callrec: --on-complete: the program .*not-executable\.sh is not executable$/],
    ['a directory', base, /^callrec: --on-complete: the program .* is not a regular file$/],
    ['a bare name not in PATH', 'callrec-no-such-program --x', /^callrec: --on-complete: the program callrec-no-such-program is not an executable file in any PATH directory$/],
  ];
  for (const [what, command, mention] of cases) {
    assertConfigError(await runCli([...baseArgs(dir), '--on-complete', command]), what, mention);
  }
  const fromEnv = await runCli(baseArgs(dir), { env: { CALLREC_ON_COMPLETE: '/no/such/program' } });
  assertConfigError(fromEnv, 'CALLREC_ON_COMPLETE', /^callrec: CALLREC_ON_COMPLETE: the program \/no\/such\/program does not exist$/);
  assertNothingRecorded(dir, 'missing --on-complete program');

  // A bare name found through PATH, with arguments, is a valid command.
  const server = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS, args: ['--on-complete', 'true --from-path'] });
  assert.equal(await server.stop(), { code: 0, signal: null });
});

test('an --http-port already in use exits 2 with one line', async () => {
  const port = await occupyPort();
  const dir = path.join(makeTempDir('cli-port-in-use'), 'sessions');
  const args = baseArgs(dir);
  args[args.indexOf('--http-port') + 1] = String(port);
  const res = await runCli(args);
  assertConfigError(res, 'http port in use', new RegExp(`http-port|${port}`));
  assertNothingRecorded(dir, 'http port in use');
});

test('regression (issue 11: a SIP/HTTP port clash was blamed on the wrong flag): each case exits 2 naming the flag at fault', async () => {
  const dir = path.join(makeTempDir('cli-sip-clash'), 'sessions');
  const withPorts = (http: string, sip: string | null) => {
    const args = baseArgs(dir);
    args[args.indexOf('--http-port') + 1] = http;
    if (sip === null) args.splice(args.indexOf('--sip-port'), 2);
    else args[args.indexOf('--sip-port') + 1] = sip;
    return args;
  };
  const port = await freePort();
  assertConfigError(await runCli(withPorts(String(port), String(port))), 'both set to one port',
    new RegExp(`^callrec: --sip-port: ${port} is also the HTTP port \\(--http-port\\); give them different ports$`));
  assertConfigError(await runCli(withPorts(String(port), null), { env: { CALLREC_SIP_PORT: String(port) } }), 'the SIP port from its variable',
    new RegExp(`^callrec: CALLREC_SIP_PORT: ${port} is also the HTTP port \\(--http-port\\)`));
  // Only --http-port was chosen, onto the SIP default: the HTTP port is the one to move.
  assertConfigError(await runCli(withPorts('5060', null)), '--http-port on the SIP default',
    /^callrec: --http-port: 5060 is also the SIP port \(--sip-port defaults to 5060\); choose another port, or set --sip-port$/);
  assertNothingRecorded(dir, 'SIP/HTTP clash');

  const tcpHeld = await occupyPort();
  assertConfigError(await runCli(withPorts('0', String(tcpHeld))), 'SIP port held on TCP',
    new RegExp(`^callrec: --sip-port: cannot listen on 127\\.0\\.0\\.1:${tcpHeld} \\(EADDRINUSE\\)$`));
  const udpHeld = await freePort();
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => holder.bind(udpHeld, '127.0.0.1', resolve));
  try {
    assertConfigError(await runCli(withPorts('0', String(udpHeld))), 'SIP port held on UDP',
      new RegExp(`^callrec: --sip-port: cannot listen on 127\\.0\\.0\\.1:${udpHeld} \\(EADDRINUSE\\)$`));
  } finally {
    holder.close();
  }
});

test('regression (recovery ran before the HTTP port was bound): a second recorder that fails on a busy --http-port leaves the first one\'s live call alone', async () => {
  // The usual way to meet "port in use": the same recorder started twice on
  // one sessions directory. startRecorder() runs recoverSessions() on every
  // session without end_time before it binds the HTTP port, so the start
  // that is about to fail "recovers" the live call of the running recorder
  // (mixed file, status "recovered", end_time) although SPEC §1 says bad
  // configuration exits "before anything is recorded".
  const dir = path.join(makeTempDir('cli-second-instance'), 'sessions');
  const first = await startServer({ sessionsDir: dir, rtpPorts: RTP_PORTS });
  const call = await startCall(first, {
    incoming: { codec: 'PCMU', seed: 701, packets: 25 },
    outgoing: { codec: 'PCMU', seed: 702, packets: 25 },
  });
  opened.push(call);
  await Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
  await sleep(1200); // past a header refresh, so the files are on disk
  const infoPath = path.join(dir, call.id, 'session_info.json');
  const infoBefore = readFileSync(infoPath, 'utf8');
  const filesBefore = readdirSync(path.join(dir, call.id)).sort();

  const args = baseArgs(dir);
  args[args.indexOf('--http-port') + 1] = String(first.port);
  args[args.indexOf('--rtp-ports') + 1] = '40580-40599';
  const res = await runCli(args);
  assertConfigError(res, 'second instance on a busy port', /./);

  const infoAfter = JSON.parse(readFileSync(infoPath, 'utf8'));
  assert.not.ok('end_time' in infoAfter, `a live call has no end_time, yet session_info.json now says status ${infoAfter.status}, end_time ${infoAfter.end_time}`);
  assert.equal(infoAfter, JSON.parse(infoBefore), 'the failed start did not rewrite the live session\'s session_info.json');
  assert.equal(readdirSync(path.join(dir, call.id)).sort(), filesBefore, 'the failed start wrote no file into the live session');
  assert.is((await first.request('POST', `/api/sessions/${call.id}/hangup`)).status, 200);
  await first.stop('SIGTERM');
});

test('regression (recovery ran before the HTTP port was bound): an --http-port in use is found before a crashed session is touched', async () => {
  // A session a crash interrupted: metadata without end_time, two leg files
  // with stale headers. Recovery would rewrite all three and add a mix; a
  // start that then fails on its configuration must not have done so.
  const dir = path.join(makeTempDir('cli-crashed'), 'sessions');
  const session = path.join(dir, 'crashed-1');
  mkdirSync(session, { recursive: true });
  const info = {
    session_id: 'crashed-1',
    caller_id: '+15550001111',
    called_number: '+15550002222',
    start_time: '2024-12-25T14:30:22.123456Z',
    status: 'recording',
    files: { incoming_audio: 'incoming_20241225_143022.wav', outgoing_audio: 'outgoing_20241225_143022.wav' },
  };
  writeFileSync(path.join(session, 'session_info.json'), `${JSON.stringify(info, null, 2)}\n`);
  const header = Buffer.alloc(44); // zero sizes: as a crash before the first header refresh leaves it
  header.write('RIFF', 0);
  header.write('WAVE', 8);
  const leg = Buffer.concat([header, Buffer.alloc(1600, 7)]);
  for (const file of Object.values(info.files)) writeFileSync(path.join(session, file), leg);
  const before = new Map(readdirSync(session).map((f) => [f, readFileSync(path.join(session, f))]));

  const args = baseArgs(dir);
  args[args.indexOf('--http-port') + 1] = String(await occupyPort());
  const res = await runCli(args);
  assertConfigError(res, 'http port in use, crashed session on disk', /http-port/);
  assert.equal(readdirSync(session).sort(), [...before.keys()].sort(), 'no file added (no mix) or removed');
  for (const [file, bytes] of before) {
    assert.ok(readFileSync(path.join(session, file)).equals(bytes), `${file} unchanged by a start that failed`);
  }
});

test.run();
