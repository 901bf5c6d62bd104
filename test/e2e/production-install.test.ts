/**
 * The production install and the supervisor's view of `npm start`:
 * - a copy of the built tree installed with `npm ci --omit=dev` (no
 *   TypeScript) starts with `npm start`, compiling nothing;
 * - without dist/ it says how to build, in one line;
 * - SIGTERM sent to npm (what systemd, Docker or Kubernetes send to the
 *   process they started) reaches the recorder: the active call is finalized,
 *   npm exits with the recorder's 0 and nothing is left holding the ports.
 * The install builds the native receiver as a user's does (where a
 * compiler is present). RTP ports 42000-42099. The install is offline, from npm's cache, which the
 * `npm ci` before `npm test` has filled.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, startCall } from '../helpers/calls.js';
import { killServers, startServer } from '../helpers/server.js';
import { readInfoFile } from '../helpers/session-info.js';
import { setupSuite } from '../helpers/suite.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const RTP_PORTS = '42000-42099';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
let installDir: string;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

function bindable(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

setupSuite(test, async () => {
  installDir = makeTempDir('production');
  for (const entry of ['package.json', 'package-lock.json', 'scripts', 'dist', 'native', 'binding.gyp']) {
    cpSync(path.join(REPO, entry), path.join(installDir, entry), { recursive: true });
  }
  // With scripts: npm ci builds the native receiver here too (or says why not and installs anyway).
  const install = await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], installDir);
  if (install.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${install.output}`);
});

/** A recorder orphaned by npm is not our child: find it by its install directory and kill it. */
function killOrphans(): void {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (installDir !== undefined && cmdline.includes(installDir)) process.kill(Number(pid), 'SIGKILL');
  }
}

test.after(() => {
  killOrphans();
  killServers();
  removeTempDirs();
});

const npmStart = { command: ['npm', 'start', '--silent', '--'] };

test('npm ci --omit=dev has no TypeScript, and npm start runs the built recorder', async () => {
  assert.not.ok(existsSync(path.join(installDir, 'node_modules', 'typescript')), 'no dev dependencies installed');
  const sessionsDir = path.join(installDir, 'sessions-a');
  const server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS, cwd: installDir, launch: npmStart });
  assert.is((await server.request('GET', '/healthz')).status, 200);
  const exit = await server.stop('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
});

test('npm start without dist/ and without TypeScript: one line on how to build, exit 1', async () => {
  renameSync(path.join(installDir, 'dist'), path.join(installDir, 'dist.away'));
  try {
    const start = await run('npm', ['start', '--silent'], installDir);
    assert.is(start.code, 1);
    assert.match(start.output, /dist\/ is missing .* npm run build/);
  } finally {
    renameSync(path.join(installDir, 'dist.away'), path.join(installDir, 'dist'));
  }
});

test('SIGTERM to npm start: the call is finalized, npm exits 0, no recorder left behind', async () => {
  const sessionsDir = path.join(installDir, 'sessions-b');
  const server = await startServer({ sessionsDir, rtpPorts: RTP_PORTS, cwd: installDir, launch: npmStart });
  const call = await startCall(server, {
    body: { caller_id: '+15550001111', called_number: '+15550002222', session_id: 'npm-term' },
    incoming: { codec: 'PCMU', seed: 11, packets: 50 },
    outgoing: { codec: 'PCMA', seed: 12, packets: 50 },
  });
  await Promise.all([call.incoming.start(0), call.outgoing.start(0)]);
  await sleep(100);
  const httpPort = server.port;
  const rtpPort: number = call.answer.rtp.incoming.port;
  // server.child is npm itself: signal it, as a supervisor signals the process it started.
  const exit = await server.stop('SIGTERM', 30_000);
  assert.equal(exit, { code: 0, signal: null }, 'npm exits with the recorder\'s code');
  const info = readInfoFile(sessionsDir, 'npm-term');
  assert.is(info.status, 'completed');
  assert.type(info.end_time, 'string');
  assert.ok(info.files.mixed_audio, 'mix written');
  await Promise.all([call.incoming.close(), call.outgoing.close()]);
  assert.ok(await bindable(rtpPort), 'the RTP port is free again: the recorder exited');
  const refused = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then(() => false, () => true);
  assert.ok(refused, 'nothing answers on the HTTP port');
});

test.run();
