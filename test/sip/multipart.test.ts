/**
 * Multipart bodies (RFC 2046, RFC 5621) as SRCs build them: quoted and
 * unquoted boundaries with more parameters, preamble and epilogue, bare LF,
 * a missing close delimiter, nesting, and no usable boundary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bodyParts, parseContentType } from '../../src/sip/index.js';

const body = (s: string) => Buffer.from(s, 'latin1');

test('quoted boundary with charset, preamble and epilogue (literal bytes)', () => {
  const ct = 'multipart/mixed; charset=UTF-8; boundary="b1 x"';
  assert.is(parseContentType(ct)!.params.get('boundary'), 'b1 x');
  const parts = bodyParts(
    ct,
    body(
      'preamble text\r\n' +
        '--b1 x\r\n' +
        'Content-Type: application/sdp\r\n' +
        '\r\n' +
        'v=0\r\n' +
        '\r\n' +
        '--b1 x  \r\n' +
        'Content-Type: application/rs-metadata+xml\r\n' +
        'Content-Disposition: recording-session\r\n' +
        '\r\n' +
        '<recording/>\r\n' +
        '--b1 x--\r\n' +
        'epilogue',
    ),
  );
  assert.is(parts.length, 2);
  assert.is(parts[0].contentType!.mediaType, 'application/sdp');
  assert.is(parts[0].body.toString(), 'v=0\r\n');
  assert.is(parts[1].disposition, 'recording-session');
  assert.is(parts[1].body.toString(), '<recording/>');
});

test('bare LF and no close delimiter', () => {
  const parts = bodyParts('multipart/mixed;boundary=zz', body('--zz\nContent-Type: application/sdp\n\nv=0\n--zz\nContent-Type: text/plain\n\nhello'));
  assert.equal(parts.map((p) => p.body.toString()), ['v=0', 'hello']);
});

test('a boundary string inside a line is not a delimiter', () => {
  const parts = bodyParts('multipart/mixed;boundary=zz', body('--zz\r\nContent-Type: text/plain\r\n\r\nsee --zz here\r\n--zz--\r\n'));
  assert.equal(parts.map((p) => p.body.toString()), ['see --zz here']);
});

test('nested multipart/alternative is flattened', () => {
  const inner = '--in\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--in--\r\n';
  const outer = `--out\r\nContent-Type: multipart/alternative;boundary=in\r\n\r\n${inner}\r\n--out\r\nContent-Type: application/rs-metadata+xml\r\n\r\n<r/>\r\n--out--\r\n`;
  const parts = bodyParts('multipart/mixed;boundary=out', body(outer));
  assert.equal(parts.map((p) => p.contentType?.mediaType), ['application/sdp', 'application/rs-metadata+xml']);
});

test('no boundary: no parts; not multipart: the body itself', () => {
  assert.equal(bodyParts('multipart/mixed', body('--x\r\n\r\n')), []);
  const single = bodyParts('application/sdp', body('v=0'));
  assert.is(single.length, 1);
  assert.is(single[0].body.toString(), 'v=0');
});

test.run();
