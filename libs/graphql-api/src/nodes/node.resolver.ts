import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, NodeService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { AttributeChangeInput, toAttributeChange } from '../common/attribute.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { Node, NodeConnection, toNode } from './node.model';
import { loadCluster } from '../clusters/cluster.loader';
import { LeaveNodeArgs, NodesArgs, SetNodeMaintenanceArgs } from './node.args';
import { JoinNodeInput, UpdateNodeInput } from './node.input';

@Resolver(() => Node)
export class NodeResolver {
  constructor(
    private readonly nodeService: NodeService,
    private readonly clusterService: ClusterService,
  ) {}

  @Query(() => Node, { description: 'A node by id.' })
  async node(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Node> {
    return toNode(await this.nodeService.get(scope, id));
  }

  @Query(() => NodeConnection, { description: 'Nodes of the tenant, oldest first.' })
  async nodes(@CurrentScope() scope: TenantScope, @Args() args: NodesArgs): Promise<NodeConnection> {
    return toConnection(await this.nodeService.page(scope, args.filter ?? {}, toPageArgs(args)), toNode);
  }

  @ResolveField(() => Cluster, { description: 'The cluster the node belongs to.' })
  cluster(@CurrentScope() scope: TenantScope, @Parent() node: Node, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusterService, node.clusterId);
  }

  @ResolveField(() => String, { nullable: true, description: 'The value of one attribute, or null.' })
  attribute(@Parent() node: Node, @Args('key') key: string): string | null {
    return node.attributes.find((a) => a.key === key)?.value ?? null;
  }

  @Mutation(() => Node, { description: 'Adds a host to a cluster; it starts OFFLINE. Counts against the `nodes` quota.' })
  async joinNode(@CurrentScope() scope: TenantScope, @Args('input') input: JoinNodeInput): Promise<Node> {
    return toNode(
      await this.nodeService.join(scope, {
        clusterId: input.clusterId,
        hostname: input.hostname,
        kind: input.kind,
        endpoint: { uri: input.endpoint.uri, username: input.endpoint.username, password: input.endpoint.password },
        capacity: { cpus: input.capacity.cpus, memoryMb: input.capacity.memoryMb },
        checkAddress: input.checkAddress,
        reserved: input.reserved,
        attributes: input.attributes ?? [],
      }),
    );
  }

  @Mutation(() => Node, { description: 'Changes the capacity, check address or endpoint (including its password) of a node.' })
  async updateNode(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateNodeInput): Promise<Node> {
    return toNode(
      await this.nodeService.update(scope, {
        id: input.id,
        capacity: input.capacity ?? undefined,
        checkAddress: input.checkAddress,
        endpoint: input.endpoint ?? undefined,
        reserved: input.reserved,
      }),
    );
  }

  @Mutation(() => Node, { description: 'Sets and removes free-form attributes of a node.' })
  async setNodeAttributes(
    @CurrentScope() scope: TenantScope,
    @Args('id', { type: () => ID }) id: string,
    @Args('change') change: AttributeChangeInput,
  ): Promise<Node> {
    return toNode(await this.nodeService.setAttributes(scope, id, toAttributeChange(change)));
  }

  @Mutation(() => Node, { description: 'Turns maintenance mode on (status MAINTENANCE) or off (status OFFLINE until heard from).' })
  async setNodeMaintenance(@CurrentScope() scope: TenantScope, @Args() args: SetNodeMaintenanceArgs): Promise<Node> {
    return toNode(await this.nodeService.setMaintenance(scope, args.id, args.enabled));
  }

  @Mutation(() => Node, {
    description: 'Removes a node from its cluster; CONFLICT while services run on it or failover domains list it, unless forced. Returns it as it was.',
  })
  async leaveNode(@CurrentScope() scope: TenantScope, @Args() args: LeaveNodeArgs): Promise<Node> {
    return toNode(await this.nodeService.leave(scope, args.id, args.force));
  }
}
