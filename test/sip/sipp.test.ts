/**
 * End to end with SIPp as the SRC (an SBC's recording client), over UDP and
 * over TCP: SIPREC INVITE (multipart SDP + metadata), ACK, RTP from this
 * test to both answered ports, a re-INVITE pausing the agent's stream and
 * one resuming it, BYE. Then the files: the caller's audio is in the
 * incoming leg because the metadata says so (it is on the second m= line),
 * the legs stay aligned across the pause, the mix is written, the metadata
 * is kept, and the recording is listed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeG711Reference } from '../helpers/g711.js';
import { buildRtpPacket } from '../helpers/rtp-sender.js';
import { killServers } from '../helpers/server.js';
import { setupSuite } from '../helpers/suite.js';
import { requireSystemTool } from '../helpers/system-tool.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { readCanonicalWav } from '../helpers/wav.js';
import { eventually, freeSipPort, sessionInfoByCallId, startSipRecorder } from './support.js';
import type { SipRecorder } from './support.js';

const SCENARIO = fileURLToPath(new URL('./scenarios/siprec-src.xml', import.meta.url));
const SLOT_MS = 20;
const SAMPLES = 160;
/** µ-law codes of the three sounds: the customer, the agent before and after the pause. */
const CUSTOMER = 0x20;
const AGENT_BEFORE = 0x40;
const AGENT_AFTER = 0xa0;
/** Slots of 20 ms: the customer talks throughout, the agent is silent (paused) in between. */
const TOTAL_SLOTS = 180;
const AGENT_PAUSE = [50, 130] as const;

const value = (code: number) => decodeG711Reference('PCMU', Uint8Array.of(code))[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rec: SipRecorder;
let sessionsDir: string;
const children = new Set<ChildProcess>();

const SIPP = { command: 'sipp', probe: ['-v'], debianPackage: 'sip-tester' };
const haveSipp = requireSystemTool(test, 'SIPp end-to-end tests', SIPP);

if (haveSipp) setupSuite(test, async () => {
  sessionsDir = makeTempDir('sipp');
  rec = await startSipRecorder({ sessionsDir, rtpPorts: '39400-39599' });
});

test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  killServers();
  removeTempDirs();
});

interface SippRun {
  exit: Promise<{ code: number | null; output: string }>;
  logFile: string;
}

async function runSipp(transport: 'udp' | 'tcp'): Promise<SippRun> {
  const dir = makeTempDir(`sipp-${transport}`);
  const logFile = path.join(dir, 'actions.log');
  const localPort = await freeSipPort();
  const args = [
    '-sf', SCENARIO,
    '-t', transport === 'udp' ? 'u1' : 't1',
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-m', '1',
    '-timeout', '20s',
    '-timeout_error',
    '-nostdin',
    '-trace_logs', '-log_file', logFile,
    '-trace_err', '-error_file', path.join(dir, 'errors.log'),
    `127.0.0.1:${rec.sipPort}`,
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => {
      children.delete(child);
      const errors = existsSync(path.join(dir, 'errors.log')) ? readFileSync(path.join(dir, 'errors.log'), 'utf8') : '';
      resolve({ code, output: `${errors}\n${output.slice(-3000)}` });
    }),
  );
  return { exit, logFile };
}

/** Customer to its port, agent to its port, one packet per 20 ms slot on an absolute schedule. */
async function sendRtp(customerPort: number, agentPort: number): Promise<void> {
  const customer = dgram.createSocket('udp4');
  const agent = dgram.createSocket('udp4');
  await Promise.all([customer, agent].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
  const packet = (code: number, slot: number, ssrc: number) =>
    buildRtpPacket({ payloadType: 0, sequenceNumber: 1000 + slot, timestamp: 50_000 + slot * SAMPLES, ssrc, payload: new Uint8Array(SAMPLES).fill(code) });
  const start = performance.now();
  let agentSeq = 0;
  for (let slot = 0; slot < TOTAL_SLOTS; slot++) {
    const due = start + slot * SLOT_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    customer.send(packet(CUSTOMER, slot, 0x1111), customerPort, '127.0.0.1');
    if (slot < AGENT_PAUSE[0] || slot >= AGENT_PAUSE[1]) {
      // Sequence numbers go on without a gap (nothing was sent), timestamps follow the clock.
      const p = packet(slot < AGENT_PAUSE[0] ? AGENT_BEFORE : AGENT_AFTER, slot, 0x2222);
      p.writeUInt16BE(2000 + agentSeq++, 2);
      agent.send(p, agentPort, '127.0.0.1');
    }
  }
  await sleep(50);
  customer.close();
  agent.close();
}

const firstIndex = (s: Int16Array, v: number, from = 0) => {
  for (let i = from; i < s.length; i++) if (s[i] === v) return i;
  return -1;
};

for (const transport of haveSipp ? (['udp', 'tcp'] as const) : []) {
  test(`SIPp over ${transport}: record, pause and resume the agent, hang up`, async () => {
    const sipp = await runSipp(transport);
    const line = await eventually(
      () => {
        if (!existsSync(sipp.logFile)) return undefined;
        return /PORTS agent-leg=(\d+) customer-leg=(\d+) call-id=(\S+)/.exec(readFileSync(sipp.logFile, 'utf8')) ?? undefined;
      },
      10_000,
      'SIPp to log the answered ports',
    );
    const [agentPort, customerPort, callId] = [Number(line[1]), Number(line[2]), line[3]];
    await sendRtp(customerPort, agentPort);
    const done = await sipp.exit;
    assert.is(done.code, 0, `sipp failed:\n${done.output}`);
    const log = readFileSync(sipp.logFile, 'utf8');
    assert.match(log, new RegExp(`PAUSED agent-leg=${agentPort}\\b`), 'the pause kept the port');

    const info = await eventually(
      () => sessionInfoByCallId(sessionsDir, callId).then((i) => (i?.end_time === undefined ? undefined : i)),
      10_000,
      'the finished session_info.json',
    );
    // The metadata mapping: the customer (first participant) sends customer-leg, the 2nd m= line.
    assert.is(info.caller_id, '+15551230001');
    assert.is(info.called_number, '+15551230002');
    assert.equal(info.labels, { incoming: 'customer-leg', outgoing: 'agent-leg' });
    assert.is(info.source, 'sip');
    assert.is(info.status, 'completed');
    assert.equal(info.siprec.metadata.map((m: { cseq: number }) => m.cseq), [1, 3], 'both metadata versions kept');
    assert.equal(
      info.siprec.streams.map((s: { label: string; leg: string; port: number }) => [s.label, s.leg, s.port]),
      [['agent-leg', 'outgoing', agentPort], ['customer-leg', 'incoming', customerPort]],
    );

    const dir = path.join(sessionsDir, info.session_id);
    const incoming = readCanonicalWav(path.join(dir, info.files.incoming_audio));
    const outgoing = readCanonicalWav(path.join(dir, info.files.outgoing_audio));
    assert.ok(info.files.mixed_audio, 'a mixed file');
    const mixed = readCanonicalWav(path.join(dir, info.files.mixed_audio));

    const i0 = firstIndex(incoming, value(CUSTOMER));
    const o0 = firstIndex(outgoing, value(AGENT_BEFORE));
    const o2 = firstIndex(outgoing, value(AGENT_AFTER));
    assert.ok(i0 >= 0 && o0 >= 0 && o2 >= 0, `all three sounds recorded (${i0}, ${o0}, ${o2})`);
    assert.not.ok(outgoing.includes(value(CUSTOMER)), 'the customer is not in the outgoing leg');
    assert.not.ok(incoming.includes(value(AGENT_BEFORE)), 'the agent is not in the incoming leg');
    // Both legs start together (same arrival, ±50 ms) ...
    assert.ok(Math.abs(o0 - i0) <= 400, `legs start together: incoming ${i0}, outgoing ${o0}`);
    // ... and after the pause the agent is exactly where the clock says, not pulled forward.
    assert.ok(Math.abs(o2 - o0 - AGENT_PAUSE[1] * SAMPLES) <= SAMPLES, `resumed at ${o2 - o0} samples, expected ${AGENT_PAUSE[1] * SAMPLES}`);
    const gap = outgoing.subarray(o0 + AGENT_PAUSE[0] * SAMPLES + SAMPLES, o2 - SAMPLES);
    assert.ok(gap.length > 10 * SAMPLES && gap.every((s) => s === 0), 'silence while paused');
    const customerSamples = incoming.filter((s) => s === value(CUSTOMER)).length;
    assert.ok(customerSamples >= 0.95 * TOTAL_SLOTS * SAMPLES, `customer audio: ${customerSamples} samples`);
    // The mix averages the legs on the same timeline.
    const probe = o2 + 10 * SAMPLES;
    assert.is(mixed[probe], Math.floor((incoming[probe] + outgoing[probe]) / 2));
    assert.is(outgoing[probe], value(AGENT_AFTER));

    const listed = (await rec.server.request('GET', `/api/recordings?caller_id=${encodeURIComponent('+15551230001')}`)).body.recordings;
    const mine = listed.find((r: { session_id: string }) => r.session_id === info.session_id);
    assert.ok(mine, 'listed in GET /api/recordings');
    assert.equal(Object.keys(mine.audio_files).sort(), ['incoming_audio', 'mixed_audio', 'outgoing_audio']);
  });
}

test.run();
