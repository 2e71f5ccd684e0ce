/** Resources, failover domains, fencing devices, tenants and quotas. */
import type { Argv } from 'yargs';
import type { ResourceType } from '@haaas/sdk';
import type { Cell } from '../output';
import { FAILOVER_DOMAIN, FENCING_DEVICE, RESOURCE, TENANT } from '../views';
import { group, limitOption, opt, pairs, str, take, UsageError, type CtxFactory, type Leaf } from './command.util';

const pos = (name: string, describe: string) => (y: Argv): Argv => y.positional(name, { type: 'string', describe, demandOption: true });
const num = (a: Record<string, unknown>, k: string): number | undefined => (a[k] === undefined ? undefined : Number(a[k]));

const resources: Leaf[] = [
  {
    command: 'create <name>',
    describe: 'a VM (--vm REF), virtual IP (--ip ADDRESS/PREFIX), application (--start/--stop) or volume (--volume REF)',
    builder: (y) =>
      pos('name', 'resource name')(y)
        .option('cluster', { type: 'string', demandOption: true })
        .option('vm', { type: 'string', describe: 'hypervisor reference of the VM' })
        .option('ip', { type: 'string', describe: 'ADDRESS/PREFIX' })
        .option('start', { type: 'string', describe: 'application start command' })
        .option('stop', { type: 'string', describe: 'application stop command' })
        .option('monitor', { type: 'string', describe: 'application monitor command' })
        .option('volume', { type: 'string', describe: 'volume reference' })
        .option('mount-point', { type: 'string' }),
    run: async (ctx, a) => {
      const base = { clusterId: str(a, 'cluster'), name: str(a, 'name') };
      const ip = opt(a, 'ip');
      const [address, prefix] = ip ? ip.split('/') : [];
      const mount = opt(a, 'mountPoint');
      const monitor = opt(a, 'monitor');
      const input = a['vm']
        ? { ...base, type: 'VM' as ResourceType, vm: { hypervisorRef: str(a, 'vm') } }
        : ip
          ? { ...base, type: 'IP' as ResourceType, ip: { address: address ?? '', prefixLength: Number(prefix ?? 32) } }
          : a['start']
            ? { ...base, type: 'APPLICATION' as ResourceType, application: { startCommand: str(a, 'start'), stopCommand: opt(a, 'stop') ?? '', ...(monitor ? { monitorCommand: monitor } : {}) } }
            : a['volume']
              ? { ...base, type: 'VOLUME' as ResourceType, volume: { ref: str(a, 'volume'), ...(mount ? { mountPoint: mount } : {}) } }
              : undefined;
      if (!input) throw new UsageError('resource create: give one of --vm, --ip, --start (with --stop) or --volume');
      ctx.show(RESOURCE, await (await ctx.client()).resources.create(input));
    },
  },
  {
    command: 'list',
    describe: 'list resources',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      ctx.list(RESOURCE, await take((await ctx.client()).resources.list(clusterId ? { clusterId } : {}), Number(a['limit'])));
    },
  },
  { command: 'show <resource>', describe: 'show a resource', builder: pos('resource', 'resource ID'), run: async (ctx, a) => ctx.show(RESOURCE, await (await ctx.client()).resources.get(str(a, 'resource'))) },
  {
    command: 'delete <resource>',
    describe: 'delete a resource',
    builder: (y) => pos('resource', 'resource ID')(y).option('force', { type: 'boolean', default: false }),
    run: async (ctx, a) => void (await (await ctx.client()).resources.destroy(str(a, 'resource'), { force: a['force'] === true })),
  },
];

/** --member NODE_ID[:PRIORITY], repeatable. */
const members = (a: Record<string, unknown>): { nodeId: string; priority: number }[] =>
  ((a['member'] as string[] | undefined) ?? []).map((m) => {
    const [nodeId = '', priority = '1'] = m.split(':');
    return { nodeId, priority: Number(priority) };
  });

const domains: Leaf[] = [
  {
    command: 'create <name>',
    describe: 'a prioritized list of nodes (--member NODE[:PRIORITY], 1 most preferred)',
    builder: (y) =>
      pos('name', 'domain name')(y)
        .option('cluster', { type: 'string', demandOption: true })
        .option('member', { type: 'string', array: true })
        .option('ordered', { type: 'boolean', default: false })
        .option('restricted', { type: 'boolean', default: false })
        .option('nofailback', { type: 'boolean', default: false }),
    run: async (ctx, a) => {
      const d = await (await ctx.client()).failoverDomains.create({
        clusterId: str(a, 'cluster'), name: str(a, 'name'), members: members(a), ordered: a['ordered'] === true, restricted: a['restricted'] === true, nofailback: a['nofailback'] === true,
      });
      ctx.show(FAILOVER_DOMAIN, d);
    },
  },
  {
    command: 'list',
    describe: 'list failover domains',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      ctx.list(FAILOVER_DOMAIN, await take((await ctx.client()).failoverDomains.list(clusterId ? { clusterId } : {}), Number(a['limit'])));
    },
  },
  { command: 'show <domain>', describe: 'show a failover domain', builder: pos('domain', 'domain ID'), run: async (ctx, a) => ctx.show(FAILOVER_DOMAIN, await (await ctx.client()).failoverDomains.get(str(a, 'domain'))) },
  {
    command: 'set <domain>',
    describe: 'replace the members (--member, repeatable) or flags',
    builder: (y) => pos('domain', 'domain ID')(y).option('member', { type: 'string', array: true }).option('ordered', { type: 'boolean' }).option('restricted', { type: 'boolean' }).option('nofailback', { type: 'boolean' }),
    run: async (ctx, a) => {
      const flags = Object.fromEntries(['ordered', 'restricted', 'nofailback'].filter((k) => a[k] !== undefined).map((k) => [k, a[k] === true]));
      const d = await (await ctx.client()).failoverDomains.update({ id: str(a, 'domain'), ...flags, ...(a['member'] ? { members: members(a) } : {}) });
      ctx.show(FAILOVER_DOMAIN, d);
    },
  },
  { command: 'delete <domain>', describe: 'delete a failover domain', builder: pos('domain', 'domain ID'), run: async (ctx, a) => void (await (await ctx.client()).failoverDomains.delete(str(a, 'domain'))) },
];

const fencing: Leaf[] = [
  {
    command: 'add <name>',
    describe: 'a fencing device (--agent fence_ipmilan | builtin:libvirt | ...; --option K=V, --secret-option K=V)',
    builder: (y) =>
      pos('name', 'device name')(y)
        .option('cluster', { type: 'string', demandOption: true })
        .option('agent', { type: 'string', demandOption: true })
        .option('option', { type: 'string', array: true })
        .option('secret-option', { type: 'string', array: true, describe: 'stored encrypted, never shown' }),
    run: async (ctx, a) => {
      const d = await (await ctx.client()).fencingDevices.add({ clusterId: str(a, 'cluster'), name: str(a, 'name'), agent: str(a, 'agent'), options: pairs(a, 'option'), secretOptions: pairs(a, 'secretOption') });
      ctx.show(FENCING_DEVICE, d);
    },
  },
  {
    command: 'list',
    describe: 'list fencing devices',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      ctx.list(FENCING_DEVICE, await take((await ctx.client()).fencingDevices.list(clusterId ? { clusterId } : {}), Number(a['limit'])));
    },
  },
  { command: 'show <device>', describe: 'show a fencing device', builder: pos('device', 'device ID'), run: async (ctx, a) => ctx.show(FENCING_DEVICE, await (await ctx.client()).fencingDevices.get(str(a, 'device'))) },
  {
    command: 'set <device>',
    describe: 'set or remove options',
    builder: (y) => pos('device', 'device ID')(y).option('option', { type: 'string', array: true }).option('secret-option', { type: 'string', array: true }).option('unset', { type: 'string', array: true }),
    run: async (ctx, a) => {
      const unset = (a['unset'] as string[] | undefined) ?? [];
      const d = await (await ctx.client()).fencingDevices.setOptions({ id: str(a, 'device'), set: pairs(a, 'option'), setSecrets: pairs(a, 'secretOption'), unset });
      ctx.show(FENCING_DEVICE, d);
    },
  },
  { command: 'delete <device>', describe: 'delete a fencing device', builder: pos('device', 'device ID'), run: async (ctx, a) => void (await (await ctx.client()).fencingDevices.delete(str(a, 'device'))) },
  {
    command: 'associate <device> <node>',
    describe: "put the device in a node's fencing topology (--level, --option plug=...)",
    builder: (y) => pos('node', 'node ID')(pos('device', 'device ID')(y)).option('level', { type: 'number', default: 1 }).option('option', { type: 'string', array: true }).option('secret-option', { type: 'string', array: true }),
    run: async (ctx, a) => {
      const r = await (await ctx.client()).fencingDevices.associate({ deviceId: str(a, 'device'), nodeId: str(a, 'node'), level: Number(a['level']), options: pairs(a, 'option'), secretOptions: pairs(a, 'secretOption') });
      ctx.fields([['ID', r.id], ['Level', r.level], ['Device ID', r.device.id], ['Node ID', r.node.id], ['Options', Object.fromEntries(r.options.map((o) => [o.key, o.value]))]]);
    },
  },
  {
    command: 'deassociate <device> <node>',
    describe: "take the device out of a node's fencing topology",
    builder: (y) => pos('node', 'node ID')(pos('device', 'device ID')(y)),
    run: async (ctx, a) => void (await (await ctx.client()).fencingDevices.deassociate(str(a, 'device'), str(a, 'node'))),
  },
  {
    command: 'test <device>',
    describe: 'a harmless status query to the device (--node: with that node’s options)',
    builder: (y) => pos('device', 'device ID')(y).option('node', { type: 'string' }),
    run: async (ctx, a) => {
      const nodeId = opt(a, 'node');
      const r = await (await ctx.client()).fencingDevices.test(str(a, 'device'), nodeId ? { nodeId } : {});
      ctx.fields(Object.entries(r).map(([k, v]) => [k, JSON.parse(JSON.stringify(v ?? null)) as Cell]));
    },
  },
];

const tenants: Leaf[] = [
  { command: 'list', describe: 'tenants (platform admins)', builder: limitOption, run: async (ctx, a) => ctx.list(TENANT, await take((await ctx.client()).tenants.list(), Number(a['limit']))) },
  { command: 'show <tenant>', describe: 'a tenant with its quota and usage', builder: pos('tenant', 'tenant ID'), run: async (ctx, a) => ctx.show(TENANT, await (await ctx.client()).tenants.get(str(a, 'tenant'))) },
  {
    command: 'create <tenant>',
    describe: 'create a tenant ahead of its first token (e.g. a Keystone project id)',
    builder: (y) => pos('tenant', 'tenant ID')(y).option('name', { type: 'string' }),
    run: async (ctx, a) => {
      const name = opt(a, 'name');
      ctx.show(TENANT, await (await ctx.client()).tenants.create({ id: str(a, 'tenant'), ...(name ? { displayName: name } : {}) }));
    },
  },
];

const quotas: Leaf[] = [
  {
    command: 'set <tenant>',
    describe: "override a tenant's quota (platform admins)",
    builder: (y) => pos('tenant', 'tenant ID')(y).option('clusters', { type: 'number' }).option('nodes', { type: 'number' }).option('resources', { type: 'number' }).option('services', { type: 'number' }),
    run: async (ctx, a) => {
      const q = { maxClusters: num(a, 'clusters'), maxNodes: num(a, 'nodes'), maxResources: num(a, 'resources'), maxServices: num(a, 'services') };
      const given = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
      ctx.show(TENANT, await (await ctx.client()).tenants.setQuota({ id: str(a, 'tenant'), ...given }));
    },
  },
  { command: 'show <tenant>', describe: "a tenant's quota and usage", builder: pos('tenant', 'tenant ID'), run: async (ctx, a) => ctx.show(TENANT, await (await ctx.client()).tenants.get(str(a, 'tenant'))) },
];

export const resourceCommand = (c: CtxFactory) => group('resource', 'VMs, virtual IPs, applications and volumes', resources, c);
export const failoverCommand = (c: CtxFactory) => group('failover', 'failover domains', [group('domain', 'prioritized node lists', domains, c)], c);
export const fencingCommand = (c: CtxFactory) => group('fencing', 'fencing devices', [group('device', 'fence agents and built-in devices of a cluster', fencing, c)], c);
export const tenantCommand = (c: CtxFactory) => group('tenant', 'tenants (platform admins)', tenants, c);
export const quotaCommand = (c: CtxFactory) => group('quota', 'tenant quotas (platform admins)', quotas, c);
