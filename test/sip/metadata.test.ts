/**
 * The XML reader and RFC 7865 metadata in every dialect: namespaces with and
 * without prefixes, old and new attribute names, associations inside or
 * outside <participant>, and broken documents that must not throw.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRsMetadata, parseXml, sentLabels } from '../../src/sip/index.js';

test('xml: namespaces, entities, CDATA, comments, self-closing', () => {
  const root = parseXml(
    '<?xml version="1.0"?><!-- c --><!DOCTYPE r [<!ENTITY x "boom">]>' +
      '<a:r xmlns:a="urn:A" xmlns="urn:D" k=\'v\'><b x="1 &lt; 2">t&amp;u<![CDATA[<raw>]]>&#65;&#x42;&x;</b><c/><a:d/></a:r>',
  )!;
  assert.is(root.name, 'r');
  assert.is(root.ns, 'urn:A');
  assert.is(root.attrs.get('k'), 'v');
  const [b, c, d] = root.children;
  assert.is(b.ns, 'urn:D');
  assert.is(b.attrs.get('x'), '1 < 2');
  assert.is(b.text, 't&u<raw>AB&x;', 'DTD entities are never expanded');
  assert.is(c.name, 'c');
  assert.is(d.ns, 'urn:A');
});

test('xml: unclosed and stray tags are forgiven', () => {
  const root = parseXml('<r><a>1<b>2</a><c>3</x></c>')!;
  assert.equal(root.children.map((e) => e.name), ['a', 'c']);
  assert.is(root.children[0].children[0].text, '2');
  assert.is(parseXml('no xml here'), null);
  assert.is(parseXml(''), null);
});

test('xml: deep nesting and many elements are capped, not a stack overflow', () => {
  assert.ok(parseXml('<a>'.repeat(100_000)));
  assert.ok(parseXml('<a/>'.repeat(100_000) + '<r/>') !== undefined);
});

const RFC7865 = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns='urn:ietf:params:xml:ns:recording:1'>
  <datamode>complete</datamode>
  <session session_id="hVpd7YQgRW2nD22h7q60JQ==">
    <sipSessionID>ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2</sipSessionID>
  </session>
  <participant participant_id="srfBElmCRp2QB23b7Mpk0w==">
    <nameID aor="sip:bob@biloxi.com"><name xml:lang="it">Bob</name></nameID>
  </participant>
  <participant participant_id="zSfPoSvdSDCmU3A3TRDxAw==">
    <nameID aor="sip:alice@atlanta.com"><name xml:lang="it">Alice</name></nameID>
  </participant>
  <stream stream_id="UAAMm5GRQKSCMVvLyl4rFw==" session_id="hVpd7YQgRW2nD22h7q60JQ=="><label>96</label></stream>
  <stream stream_id="i1Pz3to5hGk8fuXl+PbwCw==" session_id="hVpd7YQgRW2nD22h7q60JQ=="><label>97</label></stream>
  <participantstreamassoc participant_id="srfBElmCRp2QB23b7Mpk0w==">
    <send>i1Pz3to5hGk8fuXl+PbwCw==</send>
    <recv>UAAMm5GRQKSCMVvLyl4rFw==</recv>
  </participantstreamassoc>
  <participantstreamassoc participant_id="zSfPoSvdSDCmU3A3TRDxAw==">
    <send>UAAMm5GRQKSCMVvLyl4rFw==</send>
    <recv>i1Pz3to5hGk8fuXl+PbwCw==</recv>
  </participantstreamassoc>
</recording>`;

test('RFC 7865 example (recording:1)', () => {
  const meta = parseRsMetadata(RFC7865)!;
  assert.is(meta.dialect, 'recording:1');
  assert.is(meta.dataMode, 'complete');
  assert.is(meta.participants.length, 2);
  assert.equal(meta.participants[0].aors, ['sip:bob@biloxi.com']);
  assert.equal(meta.participants[0].names, ['Bob']);
  assert.equal(sentLabels(meta, meta.participants[0]), ['97']);
  assert.equal(sentLabels(meta, meta.participants[1]), ['96']);
});

test('every namespace spelling, prefixed or not, reads alike', () => {
  const variants: Array<[string, string]> = [
    ['<recording xmlns="urn:ietf:params:xml:ns:recording:1">', '</recording>'],
    ['<recording xmlns="urn:ietf:params:xml:ns:recording">', '</recording>'],
    ['<rs:recording xmlns:rs="urn:ietf:params:xml:ns:recording">', '</rs:recording>'],
    ['<ns2:recording xmlns:ns2="urn:ietf:params:xml:ns:recording:1">', '</ns2:recording>'],
    ['<recording xmlns="urn:ietf:params:xml:ns:siprec">', '</recording>'],
    ['<recording>', '</recording>'],
  ];
  const dialects = [];
  for (const [open, close] of variants) {
    const prefix = /<(\w+):/.exec(open)?.[1];
    const p = (name: string) => (prefix ? `${prefix}:${name}` : name);
    const xml =
      `${open}<${p('dataMode')}>partial</${p('dataMode')}>` +
      `<${p('participant')} id="P1"><${p('nameID')} aor="tel:+100"/><${p('send')}>S1</${p('send')}></${p('participant')}>` +
      `<${p('participant')} participant_id="P2"><${p('aor')}>sip:200@x</${p('aor')}></${p('participant')}>` +
      `<${p('stream')} id="S1"><${p('label')}>a</${p('label')}></${p('stream')}>` +
      `<${p('stream')} stream_id="S2" label="b"/>` +
      `<${p('participantstreamassoc')} participant_id="P2"><${p('send')}>S2</${p('send')}></${p('participantstreamassoc')}>` +
      close;
    const meta = parseRsMetadata(xml)!;
    assert.ok(meta, open);
    dialects.push(meta.dialect);
    assert.is(meta.dataMode, 'partial');
    assert.equal(meta.participants.map((x) => [x.id, x.aors]), [['P1', ['tel:+100']], ['P2', ['sip:200@x']]], open);
    assert.equal(meta.participants.map((x) => sentLabels(meta, x)), [['a'], ['b']], open);
  }
  assert.equal(dialects, ['recording:1', 'recording', 'recording', 'recording:1', 'siprec', 'other']);
});

test('not a recording document, or garbage: null, no throw', () => {
  assert.is(parseRsMetadata('<foo/>'), null);
  assert.is(parseRsMetadata('\u0000\u0001<<<>>>&&&'), null);
  assert.is(parseRsMetadata(''), null);
});

test.run();
