import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, NodeService, ResourceService } from '@haaas/management';
import { Cluster } from './cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { NodeConnection, toNode } from '../nodes/node.model';
import { clusterLoader } from './cluster.loader';
import { ClusterNodesArgs } from '../nodes/node.args';
import { ClusterResourcesArgs } from '../resources/resource.args';
import { ResourceConnection, toResource } from '../resources/resource.model';

/** Nodes and resources under a cluster, batched across all clusters of a request. */
@Resolver(() => Cluster)
export class ClusterInventoryResolver {
  constructor(
    private readonly nodeService: NodeService,
    private readonly resourceService: ResourceService,
    private readonly clusterService: ClusterService,
  ) {}

  @ResolveField(() => NodeConnection, { description: 'Nodes of the cluster, oldest first.' })
  async nodes(@CurrentScope() scope: TenantScope, @Parent() cluster: Cluster, @Args() args: ClusterNodesArgs, @Context() ctx: GraphQLContext): Promise<NodeConnection> {
    const page = toPageArgs(args);
    const filter = args.filter ?? {};
    // the nodes' `cluster` is this one: known already, no need to read it again
    clusterLoader(ctx, scope, this.clusterService).prime(cluster.id, cluster);
    // keyed by the field's arguments: the same page and filter under many clusters is one batch
    const loader = ctx.loaders.get('inventory.clusterNodes', { page, filter }, (ids) => this.nodeService.pageByClusters(scope, ids, filter, page));
    return toConnection(await loader.load(cluster.id), toNode);
  }

  @ResolveField(() => ResourceConnection, { description: 'Resources of the cluster, oldest first.' })
  async resources(
    @CurrentScope() scope: TenantScope,
    @Parent() cluster: Cluster,
    @Args() args: ClusterResourcesArgs,
    @Context() ctx: GraphQLContext,
  ): Promise<ResourceConnection> {
    const page = toPageArgs(args);
    const filter = args.filter ?? {};
    clusterLoader(ctx, scope, this.clusterService).prime(cluster.id, cluster);
    const loader = ctx.loaders.get('inventory.clusterResources', { page, filter }, (ids) => this.resourceService.pageByClusters(scope, ids, filter, page));
    return toConnection(await loader.load(cluster.id), toResource);
  }
}
