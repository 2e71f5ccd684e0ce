import { XMLParser } from 'fast-xml-parser';

/**
 * A small element tree over fast-xml-parser. Elements are matched by local name: peers use
 * different prefixes for the same namespaces (Windows `s:`/`w:`, the Go test server `env:`), and
 * within one WS-Management message a local name is unambiguous.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The concatenated text content directly inside this element. */
  readonly text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  removeNSPrefix: true,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
});

type Raw = Record<string, unknown>;

export class XmlParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XmlParseError';
  }
}

/** Parses a document into a synthetic root whose children are the top-level elements. */
export function parseXml(text: string): XmlElement {
  let raw: unknown;
  try {
    raw = parser.parse(text);
  } catch (error) {
    throw new XmlParseError(`not XML: ${(error as Error).message}`, { cause: error });
  }
  return { name: '#document', attrs: {}, children: convert(raw), text: '' };
}

function convert(nodes: unknown): XmlElement[] {
  if (!Array.isArray(nodes)) return [];
  const out: XmlElement[] = [];
  for (const node of nodes as Raw[]) {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (!name || name.startsWith('?')) continue;
    const content = node[name] as Raw[];
    const attrs = (node[':@'] as Record<string, string> | undefined) ?? {};
    const text = Array.isArray(content) ? content.map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('') : '';
    out.push({ name, attrs, children: convert(content), text });
  }
  return out;
}

/** Every descendant element with this local name, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export function find(root: XmlElement, name: string): XmlElement | undefined {
  for (const c of root.children) {
    if (c.name === name) return c;
    const deeper = find(c, name);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Trimmed text of the first descendant of that name. */
export function findText(root: XmlElement, name: string): string | undefined {
  return find(root, name)?.text.trim();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text and attribute values; drops the control characters XML 1.0 cannot carry. */
export function escapeXml(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
