import type { Argv } from 'yargs';
import type { ClusterState, Hypervisor } from '@haaas/sdk';
import { CLUSTER, EVENT } from '../views';
import { group, keyValue, limitOption, opt, str, take, waitOptions, type CtxFactory, type Leaf } from './command.util';

const id = (y: Argv): Argv => y.positional('cluster', { type: 'string', describe: 'cluster ID', demandOption: true });
const HYPERVISORS = ['KVM', 'VSPHERE', 'HYPERV'];

const leaves: Leaf[] = [
  {
    command: 'create <name>',
    describe: 'create a cluster (HA stays stopped until `cluster start`)',
    builder: (y) =>
      y
        .positional('name', { type: 'string', demandOption: true })
        .option('hypervisor', { type: 'string', choices: HYPERVISORS, demandOption: true })
        .option('description', { type: 'string' }),
    run: async (ctx, a) => {
      const description = opt(a, 'description');
      const cluster = await (await ctx.client()).clusters.create({ name: str(a, 'name'), hypervisor: str(a, 'hypervisor') as Hypervisor, ...(description ? { description } : {}) });
      ctx.show(CLUSTER, cluster);
    },
  },
  {
    command: 'list',
    describe: 'list clusters',
    builder: (y) => limitOption(y.option('name', { type: 'string', describe: 'part of the name' }).option('state', { type: 'string' })),
    run: async (ctx, a) => {
      const name = opt(a, 'name');
      const state = opt(a, 'state');
      const client = await ctx.client();
      ctx.list(CLUSTER, await take(client.clusters.list({ ...(name ? { nameContains: name } : {}), ...(state ? { state: state as ClusterState } : {}) }), Number(a['limit'])));
    },
  },
  { command: 'show <cluster>', describe: 'show a cluster', builder: id, run: async (ctx, a) => ctx.show(CLUSTER, await (await ctx.client()).clusters.get(str(a, 'cluster'))) },
  {
    command: 'set <cluster>',
    describe: 'change the description or set attributes',
    builder: (y) => id(y).option('description', { type: 'string' }).option('property', { type: 'string', array: true, describe: 'KEY=VALUE (repeatable)' }),
    run: async (ctx, a) => {
      const client = await ctx.client();
      const clusterId = str(a, 'cluster');
      if (a['description'] !== undefined) await client.clusters.update({ id: clusterId, description: str(a, 'description') });
      const props = (a['property'] as string[] | undefined) ?? [];
      if (props.length > 0) await client.clusters.setAttributes(clusterId, { set: props.map(keyValue) });
      ctx.show(CLUSTER, await client.clusters.get(clusterId));
    },
  },
  {
    command: 'unset <cluster>',
    describe: 'remove attributes',
    builder: (y) => id(y).option('property', { type: 'string', array: true, demandOption: true, describe: 'KEY (repeatable)' }),
    run: async (ctx, a) => ctx.show(CLUSTER, await (await ctx.client()).clusters.setAttributes(str(a, 'cluster'), { unset: a['property'] as string[] })),
  },
  {
    command: 'delete <cluster>',
    describe: 'delete a cluster (--force: with its nodes and services)',
    builder: (y) => id(y).option('force', { type: 'boolean', default: false }),
    run: async (ctx, a) => void (await (await ctx.client()).clusters.destroy(str(a, 'cluster'), { force: a['force'] === true })),
  },
  ...(['start', 'stop', 'suspend', 'resume'] as const).map(
    (verb): Leaf => ({
      command: `${verb} <cluster>`,
      describe: `${verb} HA of a cluster`,
      builder: (y) => waitOptions(id(y)),
      run: async (ctx, a) => ctx.action((await ctx.client()).clusters[verb](str(a, 'cluster'))),
    }),
  ),
  {
    command: 'status <cluster>',
    describe: 'quorum and node counts',
    builder: id,
    run: async (ctx, a) => {
      const c = await (await ctx.client()).clusters.get(str(a, 'cluster'));
      ctx.fields([
        ['State', c.status.state], ['Quorate', c.status.quorate], ['Quorum', c.status.quorum], ['Nodes', c.status.totalNodes], ['Healthy Nodes', c.status.healthyNodes],
        ['Nodes By Status', Object.fromEntries(c.status.nodesByStatus.map((s) => [s.status, s.count]))],
      ]);
    },
  },
  {
    command: 'log <cluster>',
    describe: 'the cluster log, newest first',
    builder: (y) => limitOption(id(y)),
    run: async (ctx, a) => ctx.list(EVENT, await take((await ctx.client()).events.list({ clusterId: str(a, 'cluster') }), Number(a['limit']) || 50)),
  },
];

export const clusterCommand = (ctxOf: CtxFactory) => group('cluster', 'clusters of hypervisor hosts', leaves, ctxOf);
