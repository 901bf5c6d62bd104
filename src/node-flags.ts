/**
 * The Node.js/V8 flags callrec runs with: `npm start` passes them (package.json
 * "start"), so does the `callrec` command (the #! line of src/main.ts), and
 * the tests and `npm run bench` start the recorder with them too;
 * test/node-flags.test.ts keeps all of these equal.
 *
 * --single-threaded-gc: V8 collects garbage on the isolate's own thread
 * instead of waking its helper threads for every scavenge. The main thread
 * makes ~300 bytes of garbage per datagram (Node's Buffer and `rinfo`), so at
 * 100,000 datagrams/s the helpers woke ~1,100 times a second for ~0.24 µs of
 * CPU per packet; without them the recorder used ~0.4 µs/packet less in all
 * (bench/README.md, "Where the time goes"), with no longer pauses that matter:
 * kernel socket buffers hold far more than a scavenge lasts.
 */
export const NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
