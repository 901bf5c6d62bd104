/**
 * The receiving side of bench/load/dgram-floor.ts: Node's dgram and nothing
 * else. Binds `sockets` UDP sockets on 127.0.0.1 from `base` (spread over
 * `threads` worker threads, or all on the main thread when threads is 0) and
 * handles each datagram like callrec's main thread at its cheapest: `noop`
 * counts it, `copy` also copies it into a preallocated buffer (what the ring
 * push does). Prints "ready"; on "stats" prints the packets received so far.
 *
 *   node dgram-receiver.js <base> <sockets> <threads> <noop|copy>
 */
import dgram from 'node:dgram';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

interface Job {
  base: number;
  from: number;
  to: number;
  mode: string;
  counter: Int32Array;
  slot: number;
}

function receive(job: Job): Promise<void> {
  const sink = new Uint8Array(1 << 20);
  let at = 0;
  let count = 0;
  const binds: Promise<void>[] = [];
  for (let i = job.from; i < job.to; i++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 256 * 1024 });
    const onMessage =
      job.mode === 'copy'
        ? (msg: Buffer) => {
            if (at + msg.length > sink.length) at = 0;
            sink.set(msg, at);
            at += msg.length;
            if ((++count & 255) === 0) Atomics.add(job.counter, job.slot, 256);
          }
        : () => {
            if ((++count & 255) === 0) Atomics.add(job.counter, job.slot, 256);
          };
    socket.on('message', onMessage);
    binds.push(new Promise((resolve) => socket.bind(job.base + i, '127.0.0.1', () => resolve())));
  }
  return Promise.all(binds).then(() => undefined);
}

if (!isMainThread) {
  void receive(workerData as Job).then(() => parentPort!.postMessage('bound'));
} else {
  const [base, sockets, threads, mode] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? 'noop'];
  const counter = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, threads)));
  const ready: Promise<void>[] = [];
  if (threads === 0) {
    ready.push(receive({ base, from: 0, to: sockets, mode, counter, slot: 0 }));
  } else {
    for (let t = 0; t < threads; t++) {
      const job: Job = { base, from: Math.floor((sockets * t) / threads), to: Math.floor((sockets * (t + 1)) / threads), mode, counter, slot: t };
      const w = new Worker(new URL(import.meta.url), { workerData: job });
      ready.push(new Promise((resolve) => w.once('message', () => resolve())));
      w.unref();
    }
  }
  void Promise.all(ready).then(() => process.stdout.write('ready\n'));
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (line === 'stats') {
        let total = 0;
        for (let i = 0; i < counter.length; i++) total += Atomics.load(counter, i);
        process.stdout.write(`stats ${total}\n`);
      } else if (line === 'quit') process.exit(0);
    }
  });
}
