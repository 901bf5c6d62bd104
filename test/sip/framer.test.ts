/**
 * Cutting a TCP stream into SIP messages: any chunking gives the same
 * messages, pings are seen, and a peer that sends too much is an error
 * (the connection is closed), never an unbounded buffer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SipStreamFramer } from '../../src/sip/index.js';
import { DEFAULT_PARAMS, large4k } from './fixtures/vendors.js';
import { sipMessage } from './fixtures/build.js';

function collect(framer: SipStreamFramer, chunks: Buffer[]): { messages: string[]; pings: number; error: string | null } {
  const messages: string[] = [];
  let pings = 0;
  let error: string | null = null;
  for (const c of chunks) {
    error = framer.push(c, { message: (b) => messages.push(b.toString('latin1')), ping: () => pings++ });
    if (error !== null) break;
  }
  return { messages, pings, error };
}

const opt = sipMessage(['OPTIONS sip:srs@h SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'CSeq: 1 OPTIONS']);
const big = large4k.build({ ...DEFAULT_PARAMS, transport: 'TCP' });

test('two messages and a ping in one chunk', () => {
  const r = collect(new SipStreamFramer(), [Buffer.concat([opt, Buffer.from('\r\n\r\n'), big])]);
  assert.is(r.error, null);
  assert.equal(r.messages, [opt.toString('latin1'), big.toString('latin1')]);
  assert.is(r.pings, 1);
});

test('one byte at a time gives the same messages', () => {
  const all = Buffer.concat([big, opt, Buffer.from('\r\n'), opt]);
  const chunks = [...all].map((b) => Buffer.from([b]));
  const r = collect(new SipStreamFramer(), chunks);
  assert.is(r.error, null);
  assert.equal(r.messages, [big, opt, opt].map((b) => b.toString('latin1')));
});

test('random chunk sizes give the same messages', () => {
  const all = Buffer.concat([big, opt, big, opt]);
  let seed = 7;
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; ) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (seed % 900);
    chunks.push(all.subarray(i, i + n));
    i += n;
  }
  const r = collect(new SipStreamFramer(), chunks);
  assert.is(r.messages.length, 4);
  assert.is(r.messages[2], big.toString('latin1'));
});

test('a partial message is held, not delivered', () => {
  const framer = new SipStreamFramer();
  const r = collect(framer, [big.subarray(0, big.length - 10)]);
  assert.equal(r.messages, []);
  assert.is(framer.pending, big.length - 10);
});

test('headers that never end, a huge Content-Length, or a bad one end the stream', () => {
  assert.is(collect(new SipStreamFramer(), [Buffer.from(`INVITE sip:a@b SIP/2.0\r\nX: ${'a'.repeat(20000)}`)]).error, 'headers_too_large');
  assert.is(collect(new SipStreamFramer(), [Buffer.from('INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999\r\n\r\n')]).error, 'body_too_large');
  assert.is(collect(new SipStreamFramer(), [Buffer.from('INVITE sip:a@b SIP/2.0\r\nl: abc\r\n\r\n')]).error, 'bad_content_length');
});

test('compact Content-Length frames the body', () => {
  const msg = Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabcNEXT');
  const r = collect(new SipStreamFramer(), [msg]);
  assert.equal(r.messages, ['MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc']);
});

test.run();
