/**
 * --api-token-file, --webhook-secret-file (issue 11: secrets on the command
 * line are visible in `ps`). The compiled recorder reads each secret from
 * its file (trailing newline stripped) and uses it; the secret is not in
 * its command line; a missing or empty file, or a secret given both ways,
 * exits 2 with one line before anything listens.
 * RTP ports 52700-52799.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, runCli, startServer } from '../helpers/server.js';
import type { CliResult } from '../helpers/server.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { recordCall, signatureValid, startReceiver, waitFor } from '../webhook/support.js';
import type { Receiver } from '../webhook/support.js';

const RTP_PORTS = '52700-52799';
const TOKEN = 'token-from-a-file-4f1c';
const SECRET = 'signing-key-from-a-file-9a2e';
let receiver: Receiver | undefined;

test.after(async () => {
  killServers();
  await receiver?.close();
  removeTempDirs();
});

function secretFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

function assertOneLineExit2(res: CliResult, mention: RegExp): void {
  assert.is(res.code, 2, `exit code (stderr: ${res.stderr})`);
  assert.is(res.stderr.split('\n').length, 2, `one line on stderr: ${JSON.stringify(res.stderr)}`);
  assert.match(res.stderr, mention);
}

test('the token and the webhook key are read from their files, used, and absent from the command line', async () => {
  const base = makeTempDir('secret-files');
  receiver = await startReceiver(() => 200);
  const server = await startServer({
    sessionsDir: path.join(base, 'sessions'),
    rtpPorts: RTP_PORTS,
    args: ['--api-token-file', secretFile(base, 'token', `${TOKEN}\n`), '--webhook-url', receiver.url],
    env: { CALLREC_WEBHOOK_SECRET_FILE: secretFile(base, 'webhook-key', `${SECRET}\r\n`) },
  });
  const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8');
  assert.not.ok(cmdline.includes(TOKEN), 'the token is not on the command line');

  assert.is((await server.request('GET', '/api/recordings')).status, 401, 'no token');
  assert.is((await server.request('GET', '/api/recordings', undefined, { authorization: 'Bearer wrong' })).status, 401, 'another token');
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.is((await server.request('GET', '/api/recordings', undefined, auth)).status, 200, 'the file\'s token, without its newline');

  await recordCall({ request: (method: string, p: string, body?: unknown) => server.request(method, p, body, auth) } as never);
  const delivery = await waitFor('the webhook', () => receiver!.requests[0]);
  assert.ok(signatureValid(SECRET, delivery.body, delivery.headers['x-callrec-signature']), 'signed with the file\'s key, without its CRLF');
  await server.stop();
});

test('a missing or empty secret file exits 2 with one line naming the flag or variable and the file', async () => {
  const base = makeTempDir('secret-files-bad');
  const args = ['--http-port', '0', '--sip-port', '0', '--rtp-ports', RTP_PORTS, '--sessions-dir', path.join(base, 'sessions')];
  const missing = path.join(base, 'no-such-file');
  assertOneLineExit2(await runCli([...args, '--api-token-file', missing]), new RegExp(`^callrec: --api-token-file: cannot read ${missing} \\(ENOENT\\)`));
  const empty = secretFile(base, 'empty', '\n');
  assertOneLineExit2(await runCli([...args, '--webhook-secret-file', empty]), new RegExp(`^callrec: --webhook-secret-file: ${empty} is empty`));
  assertOneLineExit2(await runCli(args, { env: { CALLREC_API_TOKEN_FILE: empty } }), new RegExp(`^callrec: CALLREC_API_TOKEN_FILE: ${empty} is empty`));
});

test('a secret given both directly and as a file exits 2 with one line naming both', async () => {
  const base = makeTempDir('secret-files-both');
  const args = ['--http-port', '0', '--sip-port', '0', '--rtp-ports', RTP_PORTS, '--sessions-dir', path.join(base, 'sessions')];
  const file = secretFile(base, 'token', TOKEN);
  assertOneLineExit2(await runCli([...args, '--api-token', 'x', '--api-token-file', file]), /^callrec: --api-token and --api-token-file are both given/);
  assertOneLineExit2(await runCli([...args, '--webhook-secret-file', file], { env: { CALLREC_WEBHOOK_SECRET: 'y' } }), /^callrec: CALLREC_WEBHOOK_SECRET and --webhook-secret-file are both given/);
});

test.run();
