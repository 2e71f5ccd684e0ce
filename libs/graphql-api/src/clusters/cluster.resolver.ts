import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { clusterHealth, HeartbeatSource, NodeStatus, TenantScope } from '@haaas/domain';
import { ClusterRecord, ClusterService } from '@haaas/management';
import { AttributeChangeInput, toAttributeChange, toAttributes } from '../common/attribute.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { ClustersArgs, DestroyClusterArgs } from './cluster.args';
import { CreateClusterInput, UpdateClusterInput } from './cluster.input';
import { Cluster, ClusterConnection, ClusterStatus } from './cluster.model';

export function toCluster(c: ClusterRecord): Cluster {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    hypervisor: c.hypervisor,
    state: c.state,
    policy: {
      heartbeatIntervalSeconds: c.heartbeatIntervalSeconds,
      deadtimeSeconds: c.deadtimeSeconds,
      fencingRequired: c.fencingRequired,
      minHealthyNodes: c.minHealthyNodes,
    },
    heartbeatSource: c.heartbeatSource ?? HeartbeatSource.AGENT,
    attributes: toAttributes(c.attributes),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

@Resolver(() => Cluster)
export class ClusterResolver {
  constructor(private readonly clusterService: ClusterService) {}

  @Query(() => Cluster, { description: 'A cluster by id.' })
  async cluster(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Cluster> {
    return toCluster(await this.clusterService.get(scope, id));
  }

  @Query(() => ClusterConnection, { description: 'Clusters of the tenant, oldest first.' })
  async clusters(@CurrentScope() scope: TenantScope, @Args() args: ClustersArgs): Promise<ClusterConnection> {
    return toConnection(await this.clusterService.page(scope, args.filter ?? {}, toPageArgs(args)), toCluster);
  }

  @Query(() => Cluster, { description: 'The cluster a host name belongs to.' })
  async clusterByHost(@CurrentScope() scope: TenantScope, @Args('hostname') hostname: string): Promise<Cluster> {
    return toCluster(await this.clusterService.byHost(scope, hostname));
  }

  @ResolveField(() => String, { nullable: true, description: 'The value of one attribute, or null.' })
  attribute(@Parent() cluster: Cluster, @Args('key') key: string): string | null {
    return cluster.attributes.find((a) => a.key === key)?.value ?? null;
  }

  @ResolveField(() => ClusterStatus)
  async status(@CurrentScope() scope: TenantScope, @Parent() cluster: Cluster, @Context() ctx: GraphQLContext): Promise<ClusterStatus> {
    const loader = ctx.loaders.get('cluster.nodeStatuses', null, (ids) => this.clusterService.nodeStatuses(scope, ids));
    const statuses = await loader.load(cluster.id);
    const health = clusterHealth(statuses);
    return {
      state: cluster.state,
      totalNodes: health.totalNodes,
      healthyNodes: health.healthyNodes,
      quorum: health.quorum,
      quorate: health.quorate,
      nodesByStatus: [...health.counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, count]) => ({ status: status as NodeStatus, count })),
    };
  }

  @Mutation(() => Cluster, { description: 'Creates a cluster (HA stopped until started).' })
  async createCluster(@CurrentScope() scope: TenantScope, @Args('input') input: CreateClusterInput): Promise<Cluster> {
    return toCluster(
      await this.clusterService.create(scope, {
        name: input.name,
        description: input.description,
        hypervisor: input.hypervisor,
        policy: input.policy ?? undefined,
        heartbeatSource: input.heartbeatSource,
        attributes: input.attributes ?? [],
      }),
    );
  }

  @Mutation(() => Cluster, { description: 'Changes the description and HA defaults of a cluster.' })
  async updateCluster(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateClusterInput): Promise<Cluster> {
    return toCluster(
      await this.clusterService.update(scope, { id: input.id, description: input.description, policy: input.policy ?? undefined, heartbeatSource: input.heartbeatSource }),
    );
  }

  @Mutation(() => Cluster, { description: 'Sets and removes free-form attributes of a cluster.' })
  async setClusterAttributes(
    @CurrentScope() scope: TenantScope,
    @Args('id', { type: () => ID }) id: string,
    @Args('change') change: AttributeChangeInput,
  ): Promise<Cluster> {
    return toCluster(await this.clusterService.setAttributes(scope, id, toAttributeChange(change)));
  }

  @Mutation(() => Cluster, { description: 'Destroys a cluster; CONFLICT while it has nodes or services unless forced. Returns it as it was.' })
  async destroyCluster(@CurrentScope() scope: TenantScope, @Args() args: DestroyClusterArgs): Promise<Cluster> {
    return toCluster(await this.clusterService.destroy(scope, args.id, args.force));
  }
}
