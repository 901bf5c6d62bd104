/** `npm run bench -- …` flags → typed options. One clear line on a bad flag. */
import { parseArgs } from 'node:util';
import type { Codec } from './content.js';

export interface BenchOptions {
  calls: number;
  seconds: number;
  codec: Codec;
  loss: number;
  reorder: number;
  churn: boolean;
  minCallS: number;
  maxCallS: number;
  url: string | null;
  pid: number | null;
  sessionsDir: string | null;
  workers: number | undefined;
  senders: number;
  senderNice: number;
  recorderNice: number;
  senderRtPriority: number;
  recorderRtPriority: number;
  recorderMain: string | null;
  recorderNodeFlags: string[];
  cpuProfDir: string | null;
  out: string | null;
  keep: boolean;
  createConcurrency: number;
  hangupConcurrency: number;
  warmupS: number;
  recorderLogLevel: string;
  check: boolean;
  /** The recorder's --rtp-io. */
  rtpIo: 'auto' | 'native' | 'dgram';
  /** Side by side on the same load: the recorder on dgram, on native, and the C reference receiver. */
  compare: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --calls N             concurrent calls (2 legs each)                    (100)
  --seconds S           seconds of RTP per call; with --churn: run length (30)
  --codec pcmu|pcma     payload                                           (pcmu)
  --loss P              fraction of packets the sender skips, e.g. 0.01   (0)
  --reorder P           fraction of packets sent after their successor    (0)
  --churn               calls of random length arriving continuously, ~N at once
  --min-call S / --max-call S   call length range with --churn           (10 / 60)
  --recorder FILE       the recorder's main.js to run (default: dist/src/main.js of this build),
                        e.g. a snapshot built from a commit, so others' rebuilds of dist/ do not interfere
  --recorder-node-flags "F …"   more node flags for the recorder (e.g. "--perf-basic-prof")
  --url URL             use a recorder already running there (no process started)
  --pid PID             with --url: its process, for CPU and memory from /proc
  --sessions-dir D      with --url: its sessions dir, so the files can be checked
  --workers N           recorder --workers                               (recorder default)
  --senders K           load generator processes                         (1 per 3,000 legs)
  --sender-nice N       the generator's nice value (root can go below 0)   (-15)
  --sender-rt P         SCHED_FIFO priority of the generator, 0 for none  (10)
  --recorder-nice N     the recorder's nice value; 0 is exactly npm start  (-10)
  --recorder-rt P       SCHED_RR priority for the recorder (below --sender-rt): shields
                        it from other work on a shared machine; 0 for none (0)
  --cpu-prof DIR        run the recorder under node --cpu-prof, profiles into DIR
  --out FILE            also write the JSON report to FILE
  --keep                keep the temp dir with the recordings
  --no-check            skip decoding the files
  --warmup S            seconds excluded from the steady-state CPU window (3)
  --create-concurrency N / --hangup-concurrency N   HTTP requests in flight (16 / 8)
  --recorder-log-level L                                                  (info)
  --rtp-io auto|native|dgram   the recorder's receive path                 (auto)
  --compare             side by side in one run on the same load: the recorder with
                        --rtp-io dgram, then native, then the C reference receiver
                        (bench/load/reference-receiver.c: epoll + recvmmsg + copy, no rules)`;

function num(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const pct = value.endsWith('%');
  const n = Number(pct ? value.slice(0, -1) : value) / (pct ? 100 : 1);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      calls: { type: 'string' },
      seconds: { type: 'string' },
      codec: { type: 'string' },
      loss: { type: 'string' },
      reorder: { type: 'string' },
      churn: { type: 'boolean' },
      'min-call': { type: 'string' },
      'max-call': { type: 'string' },
      url: { type: 'string' },
      recorder: { type: 'string' },
      'recorder-node-flags': { type: 'string' },
      pid: { type: 'string' },
      'sessions-dir': { type: 'string' },
      workers: { type: 'string' },
      senders: { type: 'string' },
      'sender-nice': { type: 'string' },
      'recorder-nice': { type: 'string' },
      'sender-rt': { type: 'string' },
      'recorder-rt': { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      'no-check': { type: 'boolean' },
      warmup: { type: 'string' },
      'create-concurrency': { type: 'string' },
      'hangup-concurrency': { type: 'string' },
      'recorder-log-level': { type: 'string' },
      'rtp-io': { type: 'string' },
      compare: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const codec = values.codec ?? 'pcmu';
  if (codec !== 'pcmu' && codec !== 'pcma') throw new Error(`--codec must be pcmu or pcma, got "${codec}"`);
  const rtpIo = values['rtp-io'] ?? 'auto';
  if (rtpIo !== 'auto' && rtpIo !== 'native' && rtpIo !== 'dgram') throw new Error(`--rtp-io must be auto, native or dgram, got "${rtpIo}"`);
  if (values.compare && (values.url !== undefined || values.churn)) throw new Error('--compare starts its own recorders on a fixed load: not with --url or --churn');
  const calls = Math.round(num(values.calls, 'calls', 100, 1, 20000));
  const legs = calls * 2;
  const minCallS = num(values['min-call'], 'min-call', 10, 1, 86400);
  const maxCallS = num(values['max-call'], 'max-call', 60, minCallS, 86400);
  return {
    calls,
    seconds: num(values.seconds, 'seconds', 30, 1, 86400),
    codec,
    loss: num(values.loss, 'loss', 0, 0, 0.5),
    reorder: num(values.reorder, 'reorder', 0, 0, 0.5),
    churn: values.churn ?? false,
    minCallS,
    maxCallS,
    url: values.url ?? null,
    recorderMain: values.recorder ?? null,
    recorderNodeFlags: (values['recorder-node-flags'] ?? '').split(/\s+/).filter(Boolean),
    pid: values.pid === undefined ? null : Math.round(num(values.pid, 'pid', 0, 1, 1 << 30)),
    sessionsDir: values['sessions-dir'] ?? null,
    workers: values.workers === undefined ? undefined : Math.round(num(values.workers, 'workers', 1, 1, 64)),
    // One sender process paces ~150,000 packets/s in ~0.9 of a CPU; more only beyond that.
    senders: Math.round(num(values.senders, 'senders', Math.max(1, Math.ceil(legs / 3000)), 1, 32)),
    senderNice: Math.round(num(values['sender-nice'], 'sender-nice', -15, -20, 19)),
    senderRtPriority: Math.round(num(values['sender-rt'], 'sender-rt', 10, 0, 99)),
    recorderRtPriority: Math.round(num(values['recorder-rt'], 'recorder-rt', 0, 0, 99)),
    recorderNice: Math.round(num(values['recorder-nice'], 'recorder-nice', -10, -20, 19)),
    cpuProfDir: values['cpu-prof'] ?? null,
    out: values.out ?? null,
    keep: values.keep ?? false,
    check: !(values['no-check'] ?? false),
    warmupS: num(values.warmup, 'warmup', 3, 0, 3600),
    createConcurrency: Math.round(num(values['create-concurrency'], 'create-concurrency', 16, 1, 1024)),
    hangupConcurrency: Math.round(num(values['hangup-concurrency'], 'hangup-concurrency', 8, 1, 1024)),
    recorderLogLevel: values['recorder-log-level'] ?? 'info',
    rtpIo,
    compare: values.compare ?? false,
  };
}
