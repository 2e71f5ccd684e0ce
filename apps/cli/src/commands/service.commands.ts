import type { Argv } from 'yargs';
import type { ServiceState } from '@haaas/sdk';
import { SERVICE } from '../views';
import { group, limitOption, opt, str, take, waitOptions, type CtxFactory, type Leaf } from './command.util';

const id = (y: Argv): Argv => y.positional('service', { type: 'string', describe: 'service ID', demandOption: true });

const leaves: Leaf[] = [
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

export const serviceCommand = (ctxOf: CtxFactory) => group('service', 'services: resource groups that start, stop and move together', leaves, ctxOf);
