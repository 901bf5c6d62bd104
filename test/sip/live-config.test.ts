/**
 * A SIP port already in use (UDP or TCP) is bad configuration: callrec exits
 * with status 2 and one line naming --sip-port, before recording anything.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { runCli } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { freeSipPort } from './support.js';

test.after(() => removeTempDirs());

const args = (sipPort: number, dir: string) => [
  '--http-port', '0', '--sip-port', String(sipPort), '--rtp-ports', '39810-39819', '--sessions-dir', dir, '--workers', '1',
];

test('SIP port taken on UDP: exit 2, one line', async () => {
  const port = await freeSipPort();
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind(port, '127.0.0.1', () => r()));
  try {
    const dir = makeTempDir('sip-cfg');
    const r = await runCli(args(port, dir));
    assert.is(r.code, 2, `exit ${r.code}, signal ${r.signal}; stderr: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`--sip-port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    assert.equal(readdirSync(dir).filter((f) => !f.startsWith('.')), [], 'nothing recorded');
  } finally {
    holder.close();
  }
});

test('SIP port taken on TCP: exit 2, one line', async () => {
  const port = await freeSipPort();
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
  try {
    const r = await runCli(args(port, makeTempDir('sip-cfg')));
    assert.is(r.code, 2, `exit ${r.code}, signal ${r.signal}; stderr: ${r.stderr}`);
    assert.match(r.stderr, /--sip-port: cannot listen on .*EADDRINUSE/);
  } finally {
    holder.close();
  }
});

test.run();
