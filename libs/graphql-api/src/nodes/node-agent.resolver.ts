import { Optional } from '@nestjs/common';
import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { HeartbeatStore, type HeartbeatRecord } from '@haaas/heartbeats';
import { byKeys, type GraphQLContext } from '../common/loaders';
import { NodeAgentStatus } from './node-agent.model';
import { Node } from './node.model';

/**
 * Node.agent: read from the heartbeat records in Redis (where the agent's version already
 * arrives with every heartbeat), batched per cluster: one pipelined read for a page of nodes.
 */
@Resolver(() => Node)
export class NodeAgentResolver {
  // optional: a process without HeartbeatsModule (the schema generator) still builds the schema
  constructor(@Optional() private readonly heartbeats?: HeartbeatStore) {}

  @ResolveField(() => NodeAgentStatus, {
    nullable: true,
    description: "The node agent's version and last heartbeat; null when no agent has sent one (see NodeAgentStatus).",
  })
  async agent(@CurrentScope() scope: TenantScope, @Parent() node: Node, @Context() ctx: GraphQLContext): Promise<NodeAgentStatus | null> {
    const store = this.heartbeats;
    if (!store) return null;
    const record = await ctx.loaders
      .get<HeartbeatRecord | null>(`nodeAgent:${node.clusterId}`, null, async (ids) => byKeys(ids, await store.records(scope, node.clusterId, ids), () => null))
      .load(node.id);
    // a record written only by the hypervisor manager (vSphere nodes) has no agent version
    if (!record || !record.agentVersion) return null;
    return { version: record.agentVersion, lastHeartbeatAt: new Date(record.seenAt), bootTime: new Date(record.bootTime) };
  }
}
