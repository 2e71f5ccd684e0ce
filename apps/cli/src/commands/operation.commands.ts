import type { Argv } from 'yargs';
import type { IncidentState, OperationState } from '@haaas/sdk';
import { Interrupted, waitWithProgress } from '../progress';
import { EVENT, FENCE_AGENT, INCIDENT, OPERATION } from '../views';
import { group, limitOption, opt, str, take, type CtxFactory, type Leaf } from './command.util';

const opId = (y: Argv): Argv => y.positional('operation', { type: 'string', describe: 'operation ID', demandOption: true });

const operations: Leaf[] = [
  {
    command: 'list',
    describe: 'operations, newest first',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' }).option('state', { type: 'string' }).option('target', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      const state = opt(a, 'state');
      const targetId = opt(a, 'target');
      const items = (await ctx.client()).operations.list({ ...(clusterId ? { clusterId } : {}), ...(state ? { state: state as OperationState } : {}), ...(targetId ? { targetId } : {}) });
      ctx.list(OPERATION, await take(items, Number(a['limit']) || 50));
    },
  },
  { command: 'show <operation>', describe: 'show an operation', builder: opId, run: async (ctx, a) => ctx.show(OPERATION, await (await ctx.client()).operations.get(str(a, 'operation'))) },
  {
    command: 'wait <operation>',
    describe: 'wait until an operation ends, showing its progress',
    builder: (y) => opId(y).option('timeout', { type: 'number', default: 900 }),
    run: async (ctx, a) => {
      const client = await ctx.client();
      const op = await client.operations.get(str(a, 'operation'));
      await ctx.action(waitWithProgress(client, op, Number(a['timeout']) * 1000, { stderr: ctx.io.stderr, interrupted: ctx.io.interrupted }));
    },
  },
];

const incidents: Leaf[] = [
  {
    command: 'list',
    describe: 'incidents (host failures), newest first',
    builder: (y) => limitOption(y.option('cluster', { type: 'string' }).option('node', { type: 'string' }).option('state', { type: 'string' })),
    run: async (ctx, a) => {
      const clusterId = opt(a, 'cluster');
      const nodeId = opt(a, 'node');
      const state = opt(a, 'state');
      const items = (await ctx.client()).incidents.list({ ...(clusterId ? { clusterId } : {}), ...(nodeId ? { nodeId } : {}), ...(state ? { state: state as IncidentState } : {}) });
      ctx.list(INCIDENT, await take(items, Number(a['limit']) || 50));
    },
  },
  {
    command: 'show <incident>',
    describe: 'an incident: detection, fencing and the recovery of each service',
    builder: (y) => y.positional('incident', { type: 'string', demandOption: true }),
    run: async (ctx, a) => ctx.show(INCIDENT, await (await ctx.client()).incidents.get(str(a, 'incident'))),
  },
];

const events: Leaf[] = [
  {
    command: 'list',
    describe: 'the cluster log, newest first; with --follow: the events as they happen, until Ctrl-C',
    builder: (y) => limitOption(y.option('cluster', { type: 'string', demandOption: true }).option('follow', { type: 'boolean', default: false })),
    run: async (ctx, a) => {
      const client = await ctx.client();
      const clusterId = str(a, 'cluster');
      if (!a['follow']) return ctx.list(EVENT, await take(client.events.list({ clusterId }), Number(a['limit']) || 50));
      // one line per event as it comes (value format gives the bare columns)
      for await (const e of client.subscriptions.clusterEvents({ clusterId, signal: ctx.io.interrupted })) {
        ctx.print(ctx.output.format === 'json' ? `${JSON.stringify({ ID: e.id, At: e.at, Type: e.type, Actor: e.actor, Message: e.message })}\n` : `${e.at} ${e.type} ${e.message}\n`);
      }
      // the stream ends only when Ctrl-C aborted it
      if (ctx.io.interrupted.aborted) throw new Interrupted();
    },
  },
];

const fenceAgents: Leaf[] = [
  { command: 'list', describe: 'fencing device types', run: async (ctx) => ctx.list(FENCE_AGENT, await (await ctx.client()).fenceAgents.list()) },
  {
    command: 'show <agent>',
    describe: 'a fencing device type and its parameters',
    builder: (y) => y.positional('agent', { type: 'string', demandOption: true }),
    run: async (ctx, a) => ctx.show(FENCE_AGENT, await (await ctx.client()).fenceAgents.get(str(a, 'agent'))),
  },
];

const tokens: Leaf[] = [
  {
    command: 'issue',
    describe: 'a Keystone token for the current settings (cached like every command’s)',
    run: async (ctx) => {
      const s = await ctx.session();
      if (!s) throw new Error('token issue needs Keystone authentication (HAAAS_TOKEN is a HAaaS JWT already)');
      ctx.fields([['expires', s.expiresAt], ['id', s.token], ['project_id', s.projectId ?? null], ['user_id', s.userId]]);
    },
  },
];

export const operationCommand = (c: CtxFactory) => group('operation', 'operations run by the workers', operations, c);
export const incidentCommand = (c: CtxFactory) => group('incident', 'host failures and their recovery', incidents, c);
export const eventCommand = (c: CtxFactory) => group('event', 'the cluster log', events, c);
export const fenceCommand = (c: CtxFactory) => group('fence', 'fence agents', [group('agent', 'fencing device types', fenceAgents, c)], c);
export const tokenCommand = (c: CtxFactory) => group('token', 'Keystone tokens', tokens, c);
