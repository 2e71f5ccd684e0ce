import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhook URLs may not point unless the operator allows it (HAAAS_WEBHOOK_ALLOW_PRIVATE):
 * loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * unspecified, multicast and reserved ranges, v4 and v6. Without this, a tenant's webhook would
 * be a way to make the workers POST into the operator's own network (SSRF).
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Is this IP address one a webhook may not reach by default? (IPv4-mapped v6 addresses are judged as v4.) */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host when it names a private address by itself (an IP literal or localhost): checked when a webhook is saved. */
export function privateHostOf(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return host;
  return isPrivateAddress(host) ? host : undefined;
}

/**
 * Checked again before every POST, on what the name resolves to then (a public name may resolve
 * to a private address, or start to): the first private address found, if any.
 */
export async function privateAddressOf(url: URL): Promise<string | undefined> {
  const literal = privateHostOf(url);
  if (literal) return literal;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return undefined;
  const addresses = await lookup(host, { all: true });
  return addresses.find((a) => isPrivateAddress(a.address))?.address;
}
