import { isIP } from 'node:net';
import { Hypervisor, isHostname, NodeKind, Problems } from '@haaas/domain';

// Node.js's own `net.isIP` decides what an IP address is: the platform already parses IPv4 and
// IPv6 (zones included) exactly as the sockets that will use them do, so no library is needed.

/** URI schemes a node endpoint may use, by the cluster's hypervisor (libvirt, vSphere SOAP, WinRM). */
export const ENDPOINT_SCHEMES: Readonly<Record<Hypervisor, readonly string[]>> = {
  [Hypervisor.KVM]: ['qemu+ssh', 'qemu+tls', 'qemu+tcp', 'qemu', 'test+unix', 'test'],
  [Hypervisor.VSPHERE]: ['https'],
  [Hypervisor.HYPERV]: ['http', 'https'],
};

/** libvirt's local URIs (`qemu:///system`, `test:///default`) have no host; every other scheme needs one. */
const HOSTLESS_SCHEMES: ReadonlySet<string> = new Set(['qemu', 'test', 'test+unix']);

export const MIN_CPUS = 1;
export const MAX_CPUS = 4096;
export const MIN_MEMORY_MB = 1;
/** 2^31 - 1: the largest GraphQL `Int` and the largest value of the signed INT column. */
export const MAX_MEMORY_MB = 2 ** 31 - 1;
export const MAX_URI_LENGTH = 1024;
export const MAX_USERNAME_LENGTH = 255;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_CHECK_ADDRESS_LENGTH = 255;

/** C0 control characters and DEL (written as a function: lint forbids control characters in regexes). */
export function hasControlChars(value: string, allowTab = false): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c === 0x09)) || c === 0x7f) return true;
  }
  return false;
}

export interface EndpointInput {
  readonly uri: string;
  readonly username?: string | null;
  /** Write-only: sealed before it is stored, never returned. */
  readonly password?: string | null;
}

export interface CapacityInput {
  readonly cpus: number;
  readonly memoryMb: number;
}

/** Parses an endpoint URI, or null when it is not an absolute URI. */
export function parseEndpointUri(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** `qemu+ssh:` → `qemu+ssh`. */
function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1).toLowerCase();
}

/**
 * Checks an endpoint URI against the cluster's hypervisor. Credentials in the URI itself are
 * refused: they would be stored and returned in clear, while `password` is sealed and write-only.
 */
export function checkEndpointUri(p: Problems, field: string, uri: string, hypervisor: Hypervisor): void {
  if (uri.length === 0 || uri.length > MAX_URI_LENGTH || hasControlChars(uri) || /\s/.test(uri)) {
    p.add(field, `must be a URI of 1-${MAX_URI_LENGTH} characters without spaces`);
    return;
  }
  const url = parseEndpointUri(uri);
  if (!url) {
    p.add(field, 'must be an absolute URI, e.g. qemu+ssh://root@host/system or https://vcenter.example.com/sdk');
    return;
  }
  const scheme = schemeOf(url);
  const allowed = ENDPOINT_SCHEMES[hypervisor];
  if (!allowed.includes(scheme)) {
    p.add(field, `scheme "${scheme}" does not suit a ${hypervisor} cluster; use ${allowed.join(', ')}`);
    return;
  }
  p.check(url.password === '', field, 'must not contain a password: give it in endpoint.password, which is stored encrypted');
  p.check(url.hostname !== '' || HOSTLESS_SCHEMES.has(scheme), field, 'must name a host');
}

export function checkEndpointUsername(p: Problems, field: string, username: string | null | undefined): void {
  if (username == null) return;
  p.check(
    username.length >= 1 && username.length <= MAX_USERNAME_LENGTH && !hasControlChars(username),
    field,
    `must be 1-${MAX_USERNAME_LENGTH} characters without control characters`,
  );
}

export function checkEndpointPassword(p: Problems, field: string, password: string | null | undefined): void {
  if (password == null) return;
  // the message never repeats the value: it is a secret even when it is invalid
  p.check(password.length >= 1 && password.length <= MAX_PASSWORD_LENGTH, field, `must be 1-${MAX_PASSWORD_LENGTH} characters`);
}

export function checkEndpoint(p: Problems, field: string, endpoint: EndpointInput, hypervisor: Hypervisor): void {
  checkEndpointUri(p, `${field}.uri`, endpoint.uri, hypervisor);
  checkEndpointUsername(p, `${field}.username`, endpoint.username);
  checkEndpointPassword(p, `${field}.password`, endpoint.password);
}

/** True when both URIs reach the same place (scheme, host and port), so stored credentials may follow. */
export function sameEndpointTarget(a: string, b: string): boolean {
  const x = parseEndpointUri(a);
  const y = parseEndpointUri(b);
  if (!x || !y) return false;
  return schemeOf(x) === schemeOf(y) && x.host.toLowerCase() === y.host.toLowerCase();
}

export function checkCapacity(p: Problems, field: string, capacity: CapacityInput): void {
  const { cpus, memoryMb } = capacity;
  p.check(Number.isInteger(cpus) && cpus >= MIN_CPUS && cpus <= MAX_CPUS, `${field}.cpus`, `must be an integer from ${MIN_CPUS} to ${MAX_CPUS}`);
  p.check(
    Number.isInteger(memoryMb) && memoryMb >= MIN_MEMORY_MB && memoryMb <= MAX_MEMORY_MB,
    `${field}.memoryMb`,
    `must be an integer from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}`,
  );
}

export function isIpOrHostname(value: string): boolean {
  return isIP(value) !== 0 || isHostname(value);
}

/**
 * A check address given as `https://host[:port][/path]`: asked by an HTTPS request instead of an
 * ICMP echo. Meant for an endpoint of the host's own that does not go through its manager (an ESXi
 * host's `/sdk`, independent of vCenter). No credentials, query or fragment: nothing secret is stored.
 */
export function isCheckUrl(value: string): boolean {
  if (!value.startsWith('https://') || hasControlChars(value) || /\s/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash && isIpOrHostname(host);
}

export function checkCheckAddress(p: Problems, field: string, value: string | null | undefined): void {
  if (value == null) return;
  p.check(
    value.length <= MAX_CHECK_ADDRESS_LENGTH && (isIpOrHostname(value) || isCheckUrl(value)),
    field,
    'must be an IPv4 or IPv6 address, a host name (asked by ICMP echo) or an https:// URL without credentials (asked by an HTTPS request, e.g. an ESXi host\'s own https://esx01/sdk)',
  );
}

export function checkHostname(p: Problems, field: string, hostname: string): void {
  p.check(isHostname(hostname), field, 'must be an RFC 1123 host name (dot-separated labels of letters, digits and "-", up to 253 characters)');
}

export function checkNodeKind(p: Problems, field: string, kind: NodeKind): void {
  p.check(Object.values(NodeKind).includes(kind), field, `must be one of ${Object.values(NodeKind).join(', ')}`);
}

/** Host names are case-insensitive (RFC 4343): stored and compared lower-case. */
export function normalizeHostname(hostname: string): string {
  return hostname.toLowerCase();
}

/** Check addresses that are host names are stored lower-case too; IP addresses as given. */
export function normalizeCheckAddress(value: string | null): string | null {
  if (value === null) return null;
  if (isCheckUrl(value)) return new URL(value).href; // host lower-case, default port dropped
  return isIP(value) !== 0 ? value : value.toLowerCase();
}
