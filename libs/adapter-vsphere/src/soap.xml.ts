/**
 * vim25 SOAP envelopes: built and read with @xmldom/xmldom, a DOM with real namespace support.
 *
 * Why a DOM and not fast-xml-parser: vSphere types values with `xsi:type`, but the prefix is
 * whatever the server declared (vcsim writes `XMLSchema-instance:type="xsd:string"`), and the
 * value is itself a QName whose prefix must be resolved against the element's scope. Only a
 * namespace-aware parser can answer "the type attribute of the XMLSchema-instance namespace";
 * fast-xml-parser can strip prefixes but cannot resolve them. Requests are built with the same
 * DOM, so escaping is the library's, not ours.
 */
import { DOMImplementation, DOMParser, type Element, type Node, XMLSerializer } from '@xmldom/xmldom';

export const NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  vim25: 'urn:vim25',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

/** A managed object reference: `<obj type="VirtualMachine">vm-42</obj>`. */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export const moRefEquals = (a: MoRef | undefined, b: MoRef | undefined): boolean =>
  a !== undefined && b !== undefined && a.type === b.type && a.value === b.value;

/** One element of a request, in the WSDL's order (vim25 parameters are sequences: order matters). */
export interface SoapParam {
  readonly name: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
  /** `xsi:type` for polymorphic parameters (TraversalSpec in a selectSet). */
  readonly xsiType?: string;
  readonly children?: readonly SoapParam[];
}

export const param = (name: string, value: string | number | boolean): SoapParam => ({ name, text: String(value) });
export const refParam = (name: string, ref: MoRef): SoapParam => ({ name, text: ref.value, attrs: { type: ref.type } });
export const group = (name: string, children: readonly SoapParam[], xsiType?: string): SoapParam => ({ name, children, xsiType });

/** The SOAP envelope for `method` on `self`, parameters in order. */
export function buildEnvelope(method: string, self: MoRef, params: readonly SoapParam[]): string {
  const doc = new DOMImplementation().createDocument(NS.soapenv, 'soapenv:Envelope', null);
  const envelope = doc.documentElement;
  if (!envelope) throw new Error('xmldom created no document element');
  envelope.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:xsi', NS.xsi);
  envelope.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:xsd', NS.xsd);
  const body = doc.createElementNS(NS.soapenv, 'soapenv:Body');
  envelope.appendChild(body);
  const call = doc.createElementNS(NS.vim25, method);
  call.setAttribute('xmlns', NS.vim25);
  body.appendChild(call);
  const append = (parent: Element, p: SoapParam): void => {
    const el = doc.createElementNS(NS.vim25, p.name);
    for (const [k, v] of Object.entries(p.attrs ?? {})) el.setAttribute(k, v);
    if (p.xsiType) el.setAttributeNS(NS.xsi, 'xsi:type', p.xsiType);
    if (p.text !== undefined) el.appendChild(doc.createTextNode(p.text));
    for (const c of p.children ?? []) append(el, c);
    parent.appendChild(el);
  };
  append(call, refParam('_this', self));
  for (const p of params) append(call, p);
  return `<?xml version="1.0" encoding="UTF-8"?>${new XMLSerializer().serializeToString(doc)}`;
}

/** Thrown for a body that is not well-formed XML or not a SOAP envelope. */
export class SoapParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoapParseError';
  }
}

export function parseXml(text: string): Element {
  let doc;
  let problem: string | undefined;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        problem ??= message;
        throw new Error(message); // xmldom stops parsing on a throw; a half-read reply is no reply
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw new SoapParseError(`malformed XML: ${problem ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const root = doc.documentElement;
  if (!root) throw new SoapParseError('empty XML document');
  return root;
}

const ELEMENT_NODE = 1;
const isElement = (n: Node): n is Element => n.nodeType === ELEMENT_NODE;

/** Child elements, optionally only those with this local name (namespaces of children are ignored: vim25 nests everything in urn:vim25). */
export function children(el: Element, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (isElement(n) && (localName === undefined || n.localName === localName)) out.push(n);
  }
  return out;
}

export function child(el: Element, localName: string): Element | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (isElement(n) && n.localName === localName) return n;
  }
  return undefined;
}

/** Follows a path of child names: `path(objects, 'obj')`. */
export function path(el: Element | undefined, ...names: string[]): Element | undefined {
  let cur = el;
  for (const name of names) cur = cur ? child(cur, name) : undefined;
  return cur;
}

export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? '') : undefined;
}

export function readMoRef(el: Element | undefined): MoRef | undefined {
  if (!el) return undefined;
  const type = el.getAttribute('type');
  const value = (el.textContent ?? '').trim();
  return type && value ? { type, value } : undefined;
}

/** A resolved QName: `xsd:string` → { ns: XMLSchema, local: 'string' }. */
export interface QName {
  readonly ns: string | null;
  readonly local: string;
}

/**
 * The `type` attribute of the XMLSchema-instance namespace, whatever its prefix, with the value's
 * own prefix resolved in the element's scope (an unprefixed value takes the default namespace).
 */
export function xsiType(el: Element): QName | undefined {
  const value = el.getAttributeNS(NS.xsi, 'type');
  if (!value) return undefined;
  const colon = value.indexOf(':');
  // xmldom answers the default namespace for '' (not for null, as the DOM spec would)
  const prefix = colon >= 0 ? value.slice(0, colon) : '';
  const local = colon >= 0 ? value.slice(colon + 1) : value;
  return { ns: el.lookupNamespaceURI(prefix), local };
}

/** The SOAP Body's first element: the `XResponse` or the `Fault`. */
export function soapBody(root: Element): Element {
  if (root.namespaceURI !== NS.soapenv || root.localName !== 'Envelope') {
    throw new SoapParseError(`not a SOAP envelope: <${root.nodeName}>`);
  }
  const body = children(root).find((c) => c.namespaceURI === NS.soapenv && c.localName === 'Body');
  const first = body ? children(body)[0] : undefined;
  if (!first) throw new SoapParseError('SOAP envelope without a body element');
  return first;
}

/** A vim25 fault: its type (e.g. `InvalidPowerState`), message and the fault element for details. */
export interface VimFaultInfo {
  readonly type: string;
  readonly message: string;
  readonly detail?: Element;
}

/**
 * Reads a `soapenv:Fault`: the type from the detail element's xsi:type (or its name without the
 * `Fault` suffix when a server leaves the attribute out), the faultstring as message.
 */
export function readSoapFault(fault: Element): VimFaultInfo {
  const faultString = text(child(fault, 'faultstring'))?.trim() ?? '';
  const detail = path(fault, 'detail');
  const first = detail ? children(detail)[0] : undefined;
  if (!first) {
    const code = text(child(fault, 'faultcode'))?.trim() ?? 'Fault';
    return { type: code.replace(/^.*:/, ''), message: faultString };
  }
  const type = xsiType(first)?.local ?? first.localName?.replace(/Fault$/, '') ?? 'Fault';
  return { type, message: faultString, detail: first };
}

/** Reads a `LocalizedMethodFault` (Task.info.error, missingSet.fault): `<fault xsi:type=...>` and `<localizedMessage>`. */
export function readLocalizedFault(el: Element): VimFaultInfo {
  const fault = child(el, 'fault');
  const type = (fault && xsiType(fault)?.local) ?? 'Fault';
  return { type, message: text(child(el, 'localizedMessage'))?.trim() ?? '', detail: fault };
}
