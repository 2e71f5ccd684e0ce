import type { Argv } from 'yargs';
import type { RecoveryAction, ServicePolicyInput, ServiceState } from '@haaas/sdk';
import { SERVICE } from '../views';
import { group, limitOption, opt, pairs, str, take, waitOptions, type CtxFactory, type Leaf } from './command.util';

const id = (y: Argv): Argv => y.positional('service', { type: 'string', describe: 'service ID', demandOption: true });

/** The policy options of create and set (omitted ones keep their value). */
function policyOptions(y: Argv): Argv {
  return y
    .option('priority', { type: 'number', describe: '1-1000, a higher value recovers first' })
    .option('recovery', { type: 'string', choices: ['RELOCATE', 'RESTART', 'DISABLE'], describe: 'recovery action' })
    .option('failover-domain', { type: 'string', describe: 'failover domain ID' })
    .option('autostart', { type: 'boolean' })
    .option('max-restarts', { type: 'number' })
    .option('max-relocations', { type: 'number' });
}

function policyOf(a: Record<string, unknown>): ServicePolicyInput {
  const p: Record<string, unknown> = {
    priority: a['priority'],
    recoveryAction: a['recovery'] as RecoveryAction | undefined,
    failoverDomainId: a['failoverDomain'],
    autostart: a['autostart'],
    maxRestarts: a['maxRestarts'],
    maxRelocations: a['maxRelocations'],
  };
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as ServicePolicyInput;
}

const resourceArgs = (y: Argv): Argv => id(y).positional('resource', { type: 'string', describe: 'resource ID', demandOption: true });

const membership: Leaf[] = [
  {
    command: 'resource <service> <resource>',
    describe: 'add a free resource of the same cluster (--position: 0-based start position, default last)',
    builder: (y) => resourceArgs(y).option('position', { type: 'number' }),
    run: async (ctx, a) => {
      const position = a['position'] === undefined ? {} : { position: Number(a['position']) };
      ctx.show(SERVICE, await (await ctx.client()).services.addResource({ serviceId: str(a, 'service'), resourceId: str(a, 'resource'), ...position }));
    },
  },
];
const removal: Leaf[] = [
  {
    command: 'resource <service> <resource>',
    describe: 'take a resource out of the service (the resource remains)',
    builder: resourceArgs,
    run: async (ctx, a) => ctx.show(SERVICE, await (await ctx.client()).services.removeResource(str(a, 'service'), str(a, 'resource'))),
  },
];

const leaves: Leaf[] = [
  {
    command: 'create <name>',
    describe: 'create a stopped service with its policy and resources (--resource, in start order)',
    builder: (y) =>
      policyOptions(y.positional('name', { type: 'string', demandOption: true }).option('cluster', { type: 'string', demandOption: true }).option('resource', { type: 'string', array: true }).option('property', { type: 'string', array: true })),
    run: async (ctx, a) => {
      const s = await (await ctx.client()).services.create({
        clusterId: str(a, 'cluster'),
        name: str(a, 'name'),
        policy: policyOf(a),
        resources: (a['resource'] as string[] | undefined) ?? [],
        attributes: pairs(a, 'property'),
      });
      ctx.show(SERVICE, s);
    },
  },
  {
    command: 'set <service>',
    describe: 'change the HA policy; omitted options keep their value',
    builder: (y) => policyOptions(id(y)),
    run: async (ctx, a) => ctx.show(SERVICE, await (await ctx.client()).services.updatePolicy({ id: str(a, 'service'), policy: policyOf(a) })),
  },
  {
    command: 'list',
    describe: 'list services',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' }).option('state', { type: 'string' }).option('node', { type: 'string', describe: 'running on this node' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      const state = opt(a, 'state');
      const nodeId = opt(a, 'node');
      const items = (await ctx.client()).services.list({ ...(clusterId ? { clusterId } : {}), ...(state ? { state: state as ServiceState } : {}), ...(nodeId ? { nodeId } : {}) });
      ctx.list(SERVICE, await take(items, Number(a['limit'])));
    },
  },
  { command: 'show <service>', describe: 'show a service', builder: id, run: async (ctx, a) => ctx.show(SERVICE, await (await ctx.client()).services.get(str(a, 'service'))) },
  {
    command: 'delete <service>',
    describe: 'delete a service (its resources are released)',
    builder: (y) => id(y).option('force', { type: 'boolean', default: false }),
    run: async (ctx, a) => void (await (await ctx.client()).services.destroy(str(a, 'service'), { force: a['force'] === true })),
  },
  ...(['start', 'stop', 'restart'] as const).map(
    (verb): Leaf => ({
      command: `${verb} <service>`,
      describe: `${verb} a service (an operation)`,
      builder: (y) => waitOptions(id(y)),
      run: async (ctx, a) => ctx.action((await ctx.client()).services[verb](str(a, 'service'))),
    }),
  ),
  {
    command: 'relocate <service>',
    describe: 'move a service to another node (--target) or the best one',
    builder: (y) => waitOptions(id(y)).option('target', { type: 'string', describe: 'node ID' }),
    run: async (ctx, a) => {
      const target = opt(a, 'target');
      await ctx.action((await ctx.client()).services.relocate(str(a, 'service'), target ? { targetNodeId: target } : {}));
    },
  },
];

export const serviceCommand = (ctxOf: CtxFactory) =>
  group('service', 'services: resource groups that start, stop and move together', [...leaves, group('add', 'add to a service', membership, ctxOf), group('remove', 'remove from a service', removal, ctxOf)], ctxOf);
