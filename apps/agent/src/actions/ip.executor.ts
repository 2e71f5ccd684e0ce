import { isIP } from 'node:net';
import type { ActionKind, ExecutorResult } from './action.types';
import { CommandResult, describeFailure } from './command.runner';
import { commandFailed, ExecutionContext, remaining, runOptions } from './execution.context';

export interface IpSpec {
  readonly address: string;
  readonly prefixLength: number;
  readonly interface: string | null;
}

/** Linux interface names; never an option. */
const IFNAME = /^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,14}$/;

export function readIpSpec(spec: Readonly<Record<string, unknown>>): IpSpec | string {
  const address = spec['address'];
  const prefixLength = spec['prefixLength'];
  const iface = spec['interface'] ?? null;
  const family = typeof address === 'string' ? isIP(address) : 0;
  if (family === 0) return 'ip.address is not an IPv4 or IPv6 address';
  if (typeof prefixLength !== 'number' || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > (family === 4 ? 32 : 128)) return `ip.prefixLength must be 0-${family === 4 ? 32 : 128}`;
  if (iface !== null && (typeof iface !== 'string' || !IFNAME.test(iface))) return 'ip.interface is not a Linux interface name';
  return { address: address as string, prefixLength, interface: iface };
}

interface HostAddress {
  readonly ifname: string;
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly prefixLength: number;
}

/** An address as a number (IPv4 in 32 bits, IPv6 in 128), so that spellings of one address compare equal. */
export function addressValue(address: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(address);
  if (family === 4) return { family: 4, value: address.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  let text = address.split('%')[0] ?? '';
  // an embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = v4[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((n[0] << 8) | n[1]).toString(16)}:${((n[2] << 8) | n[3]).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n) };
}

function contains(network: HostAddress, value: bigint, family: 4 | 6): boolean {
  if (network.family !== family) return false;
  const bits = BigInt(family === 4 ? 32 : 128);
  const shift = bits - BigInt(network.prefixLength);
  return network.value >> shift === value >> shift;
}

async function hostAddresses(ctx: ExecutionContext): Promise<HostAddress[] | CommandResult> {
  const r = await ctx.shell.run(['ip', '-j', 'addr', 'show'], runOptions(ctx));
  if (r.code !== 0) return r;
  const out: HostAddress[] = [];
  for (const link of JSON.parse(r.stdout) as { ifname?: string; addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[]) {
    for (const a of link.addr_info ?? []) {
      const v = a.local ? addressValue(a.local) : null;
      if (!v || !link.ifname || typeof a.prefixlen !== 'number') continue;
      out.push({ ifname: link.ifname, family: v.family, value: v.value, prefixLength: a.prefixlen });
    }
  }
  return out;
}

/**
 * A floating IP address: `ip addr add` on start (then a gratuitous ARP with `arping -U`, or an
 * unsolicited neighbour advertisement with `ndsend` for IPv6, when the tool is installed), `ip
 * addr del` on stop, "is the address on an interface" as monitor. Idempotent both ways.
 */
export async function ipAction(kind: ActionKind, spec: IpSpec, ctx: ExecutionContext): Promise<ExecutorResult> {
  const target = addressValue(spec.address);
  if (!target) return { ok: false, outcome: 'FAILED', exitCode: null, detail: 'invalid address' };
  const cidr = `${spec.address}/${spec.prefixLength}`;
  const addrs = await hostAddresses(ctx);
  if (!Array.isArray(addrs)) return commandFailed('ip -j addr show', addrs, ctx);
  const present = addrs.find((a) => a.family === target.family && a.value === target.value);

  if (kind === 'monitor') {
    return present
      ? { ok: true, outcome: 'DONE', exitCode: null, detail: `${spec.address} is on ${present.ifname}` }
      : { ok: false, outcome: 'DONE', exitCode: null, detail: `${spec.address} is on no interface` };
  }
  if (kind === 'stop') {
    if (!present) return { ok: true, outcome: 'ALREADY', exitCode: null, detail: `${spec.address} was on no interface: nothing to remove` };
    const r = await ctx.shell.run(['ip', 'addr', 'del', `${spec.address}/${present.prefixLength}`, 'dev', present.ifname], runOptions(ctx));
    if (r.code !== 0) return commandFailed(`ip addr del ${spec.address} dev ${present.ifname}`, r, ctx);
    return { ok: true, outcome: 'DONE', exitCode: 0, detail: `removed ${spec.address}/${present.prefixLength} from ${present.ifname}` };
  }

  if (present) return { ok: true, outcome: 'ALREADY', exitCode: null, detail: `${spec.address} is already on ${present.ifname}` };
  let iface = spec.interface;
  if (iface === null) {
    // the interface whose network contains the address; the most specific network wins
    const candidates = addrs.filter((a) => contains(a, target.value, target.family)).sort((a, b) => b.prefixLength - a.prefixLength);
    iface = candidates[0]?.ifname ?? null;
    if (iface === null) {
      return { ok: false, outcome: 'FAILED', exitCode: null, detail: `no interface of this host is on a network containing ${spec.address}: set the resource's ip.interface` };
    }
  }
  const r = await ctx.shell.run(['ip', 'addr', 'add', cidr, 'dev', iface], runOptions(ctx));
  if (r.code !== 0) return commandFailed(`ip addr add ${cidr} dev ${iface}`, r, ctx);
  const announced = await announce(spec.address, target.family, iface, ctx);
  return { ok: true, outcome: 'DONE', exitCode: 0, detail: `added ${cidr} on ${iface}${spec.interface === null ? ' (its network contains the address)' : ''}; ${announced}` };
}

/** Tells the segment's switches and neighbours the address moved; best effort, says what it did. */
async function announce(address: string, family: 4 | 6, iface: string, ctx: ExecutionContext): Promise<string> {
  const tool = family === 4 ? 'arping' : 'ndsend';
  if (!(await ctx.shell.has(tool, ctx.signal))) {
    return family === 4 ? 'no gratuitous ARP sent (arping is not installed)' : 'no unsolicited neighbour advertisement sent (ndsend is not installed; the kernel announces it after DAD only if ndisc_notify is set)';
  }
  const argv = family === 4 ? ['arping', '-U', '-c', '1', '-I', iface, address] : ['ndsend', address, iface];
  const r = await ctx.shell.run(argv, { timeoutMs: Math.min(3000, remaining(ctx)), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const what = family === 4 ? 'gratuitous ARP (arping -U)' : 'unsolicited neighbour advertisement (ndsend)';
  return r.code === 0 ? `${what} sent` : `${what} failed (${describeFailure(r)}); the address is up`;
}
