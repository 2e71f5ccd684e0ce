import type { Argv } from 'yargs';
import type { ClusterPolicyInput, ClusterState, HeartbeatSource, Hypervisor } from '@haaas/sdk';
import { CLUSTER, EVENT } from '../views';
import { group, keyValue, limitOption, opt, str, take, waitOptions, type CtxFactory, type Leaf } from './command.util';

const id = (y: Argv): Argv => y.positional('cluster', { type: 'string', describe: 'cluster ID', demandOption: true });
const HYPERVISORS = ['KVM', 'VSPHERE', 'HYPERV'];
const HEARTBEAT_SOURCES = ['AGENT', 'MANAGER', 'BOTH'];

/** The policy and heartbeat options of create and set (omitted: the API's default, or unchanged). */
function policyOptions(y: Argv): Argv {
  return y
    .option('heartbeat-source', { type: 'string', choices: HEARTBEAT_SOURCES, describe: 'who reports node heartbeats: AGENT (node agents), MANAGER (vCenter/SCVMM), BOTH' })
    .option('heartbeat-interval', { type: 'number', describe: 'seconds between agent heartbeats' })
    .option('deadtime', { type: 'number', describe: 'seconds of silence before a node is suspect' })
    .option('fencing-required', { type: 'boolean', describe: 'never recover services of a failed node before it is fenced (--no-fencing-required: off)' })
    .option('min-healthy-nodes', { type: 'number', describe: 'healthy nodes needed (besides quorum) to start HA' })
    .option('failback-stabilisation', { type: 'number', describe: 'seconds a returning preferred node must be ONLINE before failback' })
    .option('fence-retry', { type: 'number', describe: 'seconds before a failed fence is tried again' });
}

const POLICY_FLAGS: readonly (readonly [string, keyof ClusterPolicyInput])[] = [
  ['heartbeat-interval', 'heartbeatIntervalSeconds'], ['deadtime', 'deadtimeSeconds'], ['fencing-required', 'fencingRequired'], ['min-healthy-nodes', 'minHealthyNodes'],
  ['failback-stabilisation', 'failbackStabilisationSeconds'], ['fence-retry', 'fenceRetrySeconds'],
];

/** The given policy options as a ClusterPolicyInput, or nothing when none was given. */
function policyOf(a: Record<string, unknown>): { policy?: ClusterPolicyInput; heartbeatSource?: HeartbeatSource } {
  const policy = Object.fromEntries(POLICY_FLAGS.filter(([flag]) => a[flag] !== undefined).map(([flag, key]) => [key, a[flag]])) as ClusterPolicyInput;
  const source = opt(a, 'heartbeat-source');
  return { ...(Object.keys(policy).length > 0 ? { policy } : {}), ...(source ? { heartbeatSource: source as HeartbeatSource } : {}) };
}

const leaves: Leaf[] = [
  {
    command: 'create <name>',
    describe: 'create a cluster (HA stays stopped until `cluster start`)',
    builder: (y) =>
      policyOptions(
        y
          .positional('name', { type: 'string', demandOption: true })
          .option('hypervisor', { type: 'string', choices: HYPERVISORS, demandOption: true })
          .option('description', { type: 'string' }),
      ),
    run: async (ctx, a) => {
      const description = opt(a, 'description');
      const input = { name: str(a, 'name'), hypervisor: str(a, 'hypervisor') as Hypervisor, ...(description ? { description } : {}), ...policyOf(a) };
      const cluster = await (await ctx.client()).clusters.create(input);
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
    describe: 'change the description, the policy, the heartbeat source or set attributes',
    builder: (y) => policyOptions(id(y).option('description', { type: 'string' }).option('property', { type: 'string', array: true, describe: 'KEY=VALUE (repeatable)' })),
    run: async (ctx, a) => {
      const client = await ctx.client();
      const clusterId = str(a, 'cluster');
      const changes = { ...(a['description'] !== undefined ? { description: str(a, 'description') } : {}), ...policyOf(a) };
      if (Object.keys(changes).length > 0) await client.clusters.update({ id: clusterId, ...changes });
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
