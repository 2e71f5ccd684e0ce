/**
 * Reading properties through the PropertyCollector: RetrievePropertiesEx, then
 * ContinueRetrievePropertiesEx while the server hands back a token, over container views (one per
 * managed type and session) or named objects.
 */
import type { Element } from '@xmldom/xmldom';
import { type SoapClient } from './soap.client';
import { child, children, group, type MoRef, param, readLocalizedFault, readMoRef, refParam, type SoapParam, text } from './soap.xml';
import { VimFault } from './vim.fault';

/** One object's properties: the `val` element of each path the server returned (unset paths are absent). */
export interface ObjectContent {
  readonly obj: MoRef;
  readonly props: ReadonlyMap<string, Element>;
  /** Paths the server would not read, with the reason (missingSet). */
  readonly missing: readonly VimFault[];
}

export const str = (o: ObjectContent, p: string): string | undefined => text(o.props.get(p))?.trim();
export const bool = (o: ObjectContent, p: string): boolean | undefined => {
  const v = str(o, p);
  return v === undefined ? undefined : v === 'true' || v === '1';
};
export const ref = (o: ObjectContent, p: string): MoRef | undefined => readMoRef(o.props.get(p));

// Large inventories come in pages; 1000 objects of a few properties is ~300 KB of XML.
const PAGE = 1000;

const propSpec = (type: string, paths: readonly string[]): SoapParam =>
  group('propSet', [param('type', type), param('all', false), ...paths.map((p) => param('pathSet', p))]);

/** Properties of every object of `type` below the root folder, through a container view of this session. */
export async function retrieveAll(client: SoapClient, type: string, paths: readonly string[], signal: AbortSignal): Promise<ObjectContent[]> {
  const view = await containerView(client, type, signal);
  const objectSet = group('objectSet', [
    refParam('obj', view),
    param('skip', true),
    group('selectSet', [param('name', 'view'), param('type', 'ContainerView'), param('path', 'view'), param('skip', false)], 'TraversalSpec'),
  ]);
  // an object whose property cannot be read (no permission on one VM) must not hide the others
  return retrieve(client, group('specSet', [propSpec(type, paths), objectSet]), signal);
}

/** Properties of named objects (of one type); an object that does not exist is a ManagedObjectNotFound fault. */
export async function retrieveObjects(client: SoapClient, objs: readonly MoRef[], paths: readonly string[], signal: AbortSignal): Promise<ObjectContent[]> {
  const type = objs[0]?.type;
  if (!type) return [];
  const objectSets = objs.map((o) => group('objectSet', [refParam('obj', o), param('skip', false)]));
  const found = await retrieve(client, group('specSet', [propSpec(type, paths), ...objectSets]), signal);
  const fault = found.flatMap((o) => o.missing)[0];
  if (fault) throw fault;
  return found;
}

export async function retrieveOne(client: SoapClient, obj: MoRef, paths: readonly string[], signal: AbortSignal): Promise<ObjectContent> {
  const [found] = await retrieveObjects(client, [obj], paths, signal);
  if (!found) throw new VimFault({ type: 'ManagedObjectNotFound', message: `${obj.type} ${obj.value} not found` });
  return found;
}

async function retrieve(client: SoapClient, specSet: SoapParam, signal: AbortSignal): Promise<ObjectContent[]> {
  const pc = (await client.serviceContent(signal)).propertyCollector;
  const out: ObjectContent[] = [];
  let token: string | undefined;
  const readPage = (reply: Element): void => {
    token = undefined;
    const rv = child(reply, 'returnval');
    if (!rv) return; // nothing matched: an empty response
    for (const o of children(rv, 'objects')) {
      const content = readObject(o);
      // vcsim reports an expired session as a missingSet fault rather than a SOAP fault
      const expired = content.missing.find((f) => f.type === 'NotAuthenticated');
      if (expired) throw expired;
      out.push(content);
    }
    token = text(child(rv, 'token'))?.trim() || undefined;
  };
  await client.invoke('RetrievePropertiesEx', pc, [specSet, group('options', [param('maxObjects', PAGE)])], signal, readPage);
  while (token) await client.invoke('ContinueRetrievePropertiesEx', pc, [param('token', token)], signal, readPage);
  return out;
}

/**
 * An object's propSet and missingSet. A missingSet entry is a property the server would not read,
 * with the reason as a fault (NotAuthenticated, NoPermission, ManagedObjectNotFound): never "unset".
 */
export function readObject(o: Element): ObjectContent {
  const obj = readMoRef(child(o, 'obj'));
  if (!obj) throw new VimFault({ type: 'InvalidResponse', message: 'ObjectContent without obj' });
  const missing = children(o, 'missingSet').map((m) => {
    const fault = child(m, 'fault');
    const info = fault ? readLocalizedFault(fault) : { type: 'Fault', message: '' };
    const path = text(child(m, 'path'))?.trim();
    return new VimFault({ ...info, message: info.message || `cannot read ${obj.type} ${obj.value}${path ? ` ${path}` : ''}` });
  });
  const props = new Map<string, Element>();
  for (const p of children(o, 'propSet')) {
    const name = text(child(p, 'name'))?.trim();
    const val = child(p, 'val');
    if (name && val) props.set(name, val);
  }
  return { obj, props, missing };
}

export function containerView(client: SoapClient, type: string, signal: AbortSignal): Promise<MoRef> {
  return client.sessionScoped(`view:${type}`, signal, async () => {
    const content = await client.serviceContent(signal);
    const res = await client.invoke(
      'CreateContainerView',
      content.viewManager,
      [refParam('container', content.rootFolder), param('type', type), param('recursive', true)],
      signal,
    );
    const view = readMoRef(child(res, 'returnval'));
    if (!view) throw new VimFault({ type: 'InvalidResponse', message: 'CreateContainerView returned no view' });
    return view;
  });
}
