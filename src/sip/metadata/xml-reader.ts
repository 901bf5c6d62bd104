/**
 * A small, tolerant XML reader for recording metadata (RFC 7865 documents are
 * a few KB of plain elements). It builds a tree with namespaces resolved and
 * forgives what SRCs get wrong: a missing close tag, a stray one, unquoted
 * attribute values, unknown entities. It never expands DTD entities (no XXE,
 * no billion laughs), never throws, and caps depth and element count.
 */

export interface XmlElement {
  /** Local name, as written (case kept). */
  name: string;
  prefix: string | null;
  /** Namespace URI in scope for the element's prefix, or null. */
  ns: string | null;
  /** Attributes by local name (prefix stripped); xmlns declarations are not attributes. */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** Character data directly inside the element (CDATA included), untrimmed. */
  text: string;
}

const LIMITS = { maxDepth: 64, maxElements: 20_000 };
const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTR = /\s*([A-Za-z_][\w.:-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>/"']+))?/y;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9A-Fa-f]{1,6}|#\d{1,7}|[A-Za-z]{2,8});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

function splitName(qname: string): { prefix: string | null; local: string } {
  const colon = qname.indexOf(':');
  return colon === -1 ? { prefix: null, local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

interface Frame {
  el: XmlElement;
  qname: string;
  scope: Map<string, string>;
}

/** The document's root element, or null when there is none. */
export function parseXml(text: string): XmlElement | null {
  const top: XmlElement = { name: '#document', prefix: null, ns: null, attrs: new Map(), children: [], text: '' };
  const stack: Frame[] = [{ el: top, qname: '#document', scope: new Map([['xml', XML_NS]]) }];
  let elements = 0;
  let pos = 0;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const frame = stack[stack.length - 1];
    if (lt === -1) {
      frame.el.text += decodeEntities(text.slice(pos));
      break;
    }
    if (lt > pos) frame.el.text += decodeEntities(text.slice(pos, lt));
    if (text.startsWith('<!--', lt)) {
      pos = skipPast(text, '-->', lt + 4);
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      frame.el.text += text.slice(lt + 9, end === -1 ? text.length : end);
      pos = end === -1 ? text.length : end + 3;
    } else if (text.startsWith('<?', lt)) {
      pos = skipPast(text, '?>', lt + 2);
    } else if (text.startsWith('<!', lt)) {
      pos = skipDeclaration(text, lt + 2);
    } else if (text[lt + 1] === '/') {
      const gt = text.indexOf('>', lt);
      const qname = text.slice(lt + 2, gt === -1 ? text.length : gt).trim();
      // Close the nearest open element with this name; a stray close tag is ignored.
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i].qname === qname) {
          stack.length = i;
          break;
        }
      }
      pos = gt === -1 ? text.length : gt + 1;
    } else {
      NAME.lastIndex = lt + 1;
      const nm = NAME.exec(text);
      if (nm === null) {
        frame.el.text += '<';
        pos = lt + 1;
        continue;
      }
      const qname = nm[0];
      let p = NAME.lastIndex;
      const rawAttrs: Array<[string, string]> = [];
      for (;;) {
        ATTR.lastIndex = p;
        const a = ATTR.exec(text);
        if (a === null) break;
        const raw = a[2] ?? '';
        const value = raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
        rawAttrs.push([a[1], decodeEntities(value)]);
        p = ATTR.lastIndex;
      }
      const gt = text.indexOf('>', p);
      const selfClosing = gt !== -1 && text[gt - 1] === '/';
      pos = gt === -1 ? text.length : gt + 1;
      if (++elements > LIMITS.maxElements) break;

      const scope = new Map(frame.scope);
      const attrs = new Map<string, string>();
      for (const [name, value] of rawAttrs) {
        if (name === 'xmlns') scope.set('', value);
        else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
      }
      for (const [name, value] of rawAttrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const local = splitName(name).local;
        if (!attrs.has(local)) attrs.set(local, value);
      }
      const { prefix, local } = splitName(qname);
      const el: XmlElement = { name: local, prefix, ns: scope.get(prefix ?? '') ?? null, attrs, children: [], text: '' };
      frame.el.children.push(el);
      if (!selfClosing && stack.length <= LIMITS.maxDepth) stack.push({ el, qname, scope });
    }
  }
  return top.children[0] ?? null;
}

function skipPast(text: string, marker: string, from: number): number {
  const end = text.indexOf(marker, from);
  return end === -1 ? text.length : end + marker.length;
}

/** Skip `<!DOCTYPE …>` including an internal subset in brackets (never interpreted). */
function skipDeclaration(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  return text.length;
}

/** Child elements whose local name matches one of `names` (case-insensitive). */
export function childrenNamed(el: XmlElement, ...names: string[]): XmlElement[] {
  const wanted = names.map((n) => n.toLowerCase());
  return el.children.filter((c) => wanted.includes(c.name.toLowerCase()));
}

/** Trimmed text of the first child with one of these names, or null. */
export function childText(el: XmlElement, ...names: string[]): string | null {
  const child = childrenNamed(el, ...names)[0];
  if (child === undefined) return null;
  const t = child.text.trim();
  return t === '' ? null : t;
}

/** The first attribute present among `names` (case-insensitive local names), or null. */
export function attr(el: XmlElement, ...names: string[]): string | null {
  for (const n of names) {
    const lower = n.toLowerCase();
    for (const [k, v] of el.attrs) if (k.toLowerCase() === lower) return v;
  }
  return null;
}
