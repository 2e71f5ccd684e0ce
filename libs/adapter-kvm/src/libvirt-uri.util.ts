import { AdapterError } from '@haaas/hypervisor';

/** What the adapter needs to know about a libvirt connection URI. */
export interface LibvirtUri {
  readonly uri: string;
  /** `qemu`, `test`, `xen`, `lxc`, ... */
  readonly driver: string;
  /** `ssh`, `libssh`, `libssh2`, `tls`, `tcp`, `unix`, `ext`; undefined = local (unix socket). */
  readonly transport: string | undefined;
  /** The remote host, when there is one. */
  readonly host: string | undefined;
}

// driver[+transport]://[user@][host[:port]]/path[?params] — libvirt's own grammar, see
// https://libvirt.org/uri.html; anything else is a configuration mistake, refused before spawning.
const URI = /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

export function parseLibvirtUri(uri: string, operation = 'connect'): LibvirtUri {
  // argv carries it, never a shell, but a control character can only be a mistake or an attack
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(uri)) throw new AdapterError('FAILED', 'libvirt URI contains control characters', operation);
  const m = URI.exec(uri);
  if (!m) throw new AdapterError('FAILED', `not a libvirt URI: ${redactUri(uri)} (expected e.g. qemu+ssh://host/system)`, operation);
  const authority = m[3] ?? '';
  const hostPort = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  const host = hostPort.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return { uri, driver: (m[1] ?? '').toLowerCase(), transport: m[2]?.toLowerCase(), host: host || undefined };
}

/** Hides a password written into a URI (`user:pass@host`), which libvirt ignores but a person might write. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

/**
 * The URI of another host of the same kind: `hostB` next to `qemu+ssh://root@hostA/system` is
 * `qemu+ssh://root@hostB/system`. A value that is already a URI is taken as is.
 */
export function targetUri(source: LibvirtUri, target: string, operation: string): string {
  if (target.includes('://')) return parseLibvirtUri(target, operation).uri;
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(target)) throw new AdapterError('FAILED', `not a host name or libvirt URI: ${target}`, operation);
  const m = URI.exec(source.uri);
  if (!m || source.host === undefined) throw new AdapterError('FAILED', `cannot derive a target URI from the local URI ${redactUri(source.uri)}: give a full URI`, operation);
  const authority = m[3] ?? '';
  const user = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@') + 1) : '';
  const port = /:(\d+)$/.exec(authority)?.[0] ?? '';
  return `${m[1]}${m[2] ? `+${m[2]}` : ''}://${user}${target}${port}${m[4] ?? '/'}${m[5] ?? ''}`;
}
