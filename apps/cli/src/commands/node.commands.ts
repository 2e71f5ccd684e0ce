import type { Argv } from 'yargs';
import type { NodeKind, NodeStatus } from '@haaas/sdk';
import type { Cell } from '../output';
import { NODE } from '../views';
import { group, limitOption, opt, str, take, waitOptions, type CtxFactory, type Leaf } from './command.util';

const id = (y: Argv): Argv => y.positional('node', { type: 'string', describe: 'node ID', demandOption: true });

const leaves: Leaf[] = [
  {
    command: 'join <hostname>',
    describe: 'add a host to a cluster',
    builder: (y) =>
      y
        .positional('hostname', { type: 'string', demandOption: true })
        .option('cluster', { type: 'string', demandOption: true, describe: 'cluster ID' })
        .option('endpoint-uri', { type: 'string', demandOption: true, describe: 'hypervisor manager URI (qemu+ssh://..., https://vcenter/...)' })
        .option('endpoint-username', { type: 'string' })
        .option('endpoint-password', { type: 'string', describe: 'stored encrypted, never shown' })
        .option('kind', { type: 'string', choices: ['PHYSICAL', 'VIRTUAL'], default: 'PHYSICAL' })
        .option('cpus', { type: 'number', demandOption: true })
        .option('memory-mb', { type: 'number', demandOption: true })
        .option('check-address', { type: 'string' }),
    run: async (ctx, a) => {
      const username = opt(a, 'endpointUsername');
      const password = opt(a, 'endpointPassword');
      const checkAddress = opt(a, 'checkAddress');
      const node = await (await ctx.client()).nodes.join({
        clusterId: str(a, 'cluster'),
        hostname: str(a, 'hostname'),
        kind: str(a, 'kind') as NodeKind,
        capacity: { cpus: Number(a['cpus']), memoryMb: Number(a['memoryMb']) },
        endpoint: { uri: str(a, 'endpointUri'), ...(username ? { username } : {}), ...(password ? { password } : {}) },
        ...(checkAddress ? { checkAddress } : {}),
      });
      ctx.show(NODE, node);
    },
  },
  {
    command: 'leave <node>',
    describe: 'remove a node from its cluster',
    builder: (y) => id(y).option('force', { type: 'boolean', default: false }),
    run: async (ctx, a) => void (await (await ctx.client()).nodes.leave(str(a, 'node'), { force: a['force'] === true })),
  },
  {
    command: 'list',
    describe: 'list nodes',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' }).option('status', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      const status = opt(a, 'status');
      const items = (await ctx.client()).nodes.list({ ...(clusterId ? { clusterId } : {}), ...(status ? { status: status as NodeStatus } : {}) });
      ctx.list(NODE, await take(items, Number(a['limit'])));
    },
  },
  { command: 'show <node>', describe: 'show a node', builder: id, run: async (ctx, a) => ctx.show(NODE, await (await ctx.client()).nodes.get(str(a, 'node'))) },
  {
    command: 'maintenance <action> <node>',
    describe: 'maintenance set|unset: take a node out of placement and failure detection, or back',
    builder: (y) => id(y.positional('action', { type: 'string', choices: ['set', 'unset'], demandOption: true })),
    run: async (ctx, a) => ctx.show(NODE, await (await ctx.client()).nodes.setMaintenance(str(a, 'node'), a['action'] === 'set')),
  },
  ...(['startup', 'shutdown', 'reboot', 'evacuate'] as const).map(
    (verb): Leaf => ({
      command: `${verb} <node>`,
      describe: `${verb} a node (an operation)`,
      builder: (y) => waitOptions(id(y)),
      run: async (ctx, a) => ctx.action((await ctx.client()).nodes[verb](str(a, 'node'))),
    }),
  ),
  {
    command: 'set <node>',
    describe: 'change capacity, check address, or make it a spare (--reserved)',
    builder: (y) => id(y).option('cpus', { type: 'number' }).option('memory-mb', { type: 'number' }).option('check-address', { type: 'string' }).option('reserved', { type: 'boolean' }),
    run: async (ctx, a) => {
      const client = await ctx.client();
      const nodeId = str(a, 'node');
      const current = await client.nodes.get(nodeId);
      const capacity = a['cpus'] !== undefined || a['memoryMb'] !== undefined ? { capacity: { cpus: Number(a['cpus'] ?? current.capacity.cpus), memoryMb: Number(a['memoryMb'] ?? current.capacity.memoryMb) } } : {};
      const checkAddress = opt(a, 'checkAddress');
      const reserved = a['reserved'] === undefined ? {} : { reserved: a['reserved'] === true };
      ctx.show(NODE, await client.nodes.update({ id: nodeId, ...capacity, ...(checkAddress ? { checkAddress } : {}), ...reserved }));
    },
  },
  {
    command: 'probe <node>',
    describe: "ask the node's hypervisor manager how it is",
    builder: id,
    run: async (ctx, a) => {
      const r = await (await ctx.client()).nodes.probe(str(a, 'node'));
      ctx.fields(Object.entries(r).map(([k, v]) => [k, v as Cell]));
    },
  },
  {
    command: 'plan <node>',
    describe: "dry run of the node's failure: what would be fenced and where each service would go",
    builder: id,
    run: async (ctx, a) => {
      const p = await (await ctx.client()).nodes.failoverPlan(str(a, 'node'));
      ctx.fields(Object.entries(p).map(([k, v]) => [k, JSON.parse(JSON.stringify(v ?? null)) as Cell]));
    },
  },
];

const tokens: Leaf[] = [
  {
    command: 'issue <node>',
    describe: "a new agent token for the node (shown once; the previous one stops working)",
    builder: id,
    run: async (ctx, a) => {
      const t = await (await ctx.client()).nodes.issueAgentToken(str(a, 'node'));
      ctx.fields(Object.entries(t).map(([k, v]) => [k, JSON.parse(JSON.stringify(v ?? null)) as Cell]));
    },
  },
];

export const nodeCommand = (ctxOf: CtxFactory) => group('node', 'hypervisor hosts of clusters', [...leaves, group('token', 'node agent tokens', tokens, ctxOf)], ctxOf);
