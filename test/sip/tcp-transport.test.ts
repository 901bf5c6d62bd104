/**
 * The TCP transport's defences, in process with small limits: a half-sent
 * message and a connection that never sends are closed after the partial
 * timeout, the connection cap evicts the quietest connection, and a
 * double-CRLF ping is answered with a CRLF.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { SipCounters } from '../../src/sip/stats.js';
import { TcpTransport } from '../../src/sip/transport/tcp.js';
import { freeSipPort } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(port: number): Promise<net.Socket & { whenClosed: Promise<void>; data: string }> {
  const s = net.connect({ host: '127.0.0.1', port }) as net.Socket & { whenClosed: Promise<void>; data: string };
  s.data = '';
  s.on('error', () => {});
  s.on('data', (c) => (s.data += c.toString('latin1')));
  s.whenClosed = new Promise((r) => s.once('close', () => r()));
  await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

test('half-open and silent connections are closed; pings answered; the cap evicts the quietest', async () => {
  const port = await freeSipPort();
  const counters = new SipCounters();
  const messages: string[] = [];
  const transport = await TcpTransport.listen('127.0.0.1', port, (b) => messages.push(b.toString()), counters, {
    partialTimeoutMs: 400,
    maxConnections: 3,
  });
  try {
    const half = await connect(port);
    half.write('OPTIONS sip:srs SIP/2.0\r\nContent-Length: 10\r\n\r\nabc');
    await sleep(30);
    const silent = await connect(port);
    await sleep(30);
    const pinger = await connect(port);
    pinger.write('\r\n\r\n');
    pinger.write('OPTIONS sip:srs SIP/2.0\r\nl: 0\r\n\r\n');
    await sleep(100);
    assert.is(pinger.data, '\r\n', 'pong');
    assert.is(messages.length, 1);

    // A fourth connection at the cap of three evicts the quietest (the half-open one wrote first).
    const fourth = await connect(port);
    await half.whenClosed;
    assert.is(counters.get('tcp_closed_evicted'), 1);
    fourth.write('OPTIONS sip:srs SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    await sleep(50);
    assert.is(messages.length, 2, 'the newcomer is served');

    await Promise.race([silent.whenClosed, sleep(2500).then(() => assert.unreachable('silent connection not closed'))]);
    assert.ok(counters.get('tcp_closed_half_open') >= 1, JSON.stringify(counters.snapshot()));
    assert.not.ok(pinger.destroyed || fourth.destroyed, 'connections that sent a message stay open');
    for (const s of [pinger, fourth]) s.destroy();
  } finally {
    await transport.close();
  }
});

test.run();
