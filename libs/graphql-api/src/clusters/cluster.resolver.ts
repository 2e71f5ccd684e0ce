import { Optional } from '@nestjs/common';
import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { ClusterState, clusterHealth, HeartbeatSource, NodeStatus, TenantScope } from '@haaas/domain';
import { clusterHealthStatus, DetectorViewReader } from '@haaas/detector';
import { ClusterRecord, ClusterService } from '@haaas/management';
import { AttributeChangeInput, toAttributeChange, toAttributes } from '../common/attribute.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { ClustersArgs, DestroyClusterArgs } from './cluster.args';
import { CreateClusterInput, UpdateClusterInput } from './cluster.input';
import { Cluster, ClusterConnection, ClusterHealthSource, ClusterStatus } from './cluster.model';


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
      failbackStabilisationSeconds: c.failbackStabilisationSeconds,
      fenceRetrySeconds: c.fenceRetrySeconds,
    },
    heartbeatSource: c.heartbeatSource ?? HeartbeatSource.AGENT,
    attributes: toAttributes(c.attributes),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

@Resolver(() => Cluster)
export class ClusterResolver {
  constructor(
    private readonly clusterService: ClusterService,
    // absent in a process without the operations module (schema generation)
    @Optional() private readonly detector?: DetectorViewReader,
  ) {}

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

  @ResolveField(() => ClusterStatus, {
    description: "Quorum and healthy counts from the failure detector's last evaluation while HA is started (one source: the status never contradicts the detector's quorum events), else from the nodes' recorded statuses.",
  })
  async status(@CurrentScope() scope: TenantScope, @Parent() cluster: Cluster, @Context() ctx: GraphQLContext): Promise<ClusterStatus> {
    const loader = ctx.loaders.get('cluster.nodeStatuses', null, (ids) => this.clusterService.nodeStatuses(scope, ids));
    const [statuses, view] = await Promise.all([loader.load(cluster.id), cluster.state === ClusterState.STARTED && this.detector ? this.detector.read(scope, cluster.id) : Promise.resolve(null)]);
    const records = clusterHealth(statuses);
    const health = clusterHealthStatus(view, records, { deadtimeSeconds: cluster.policy.deadtimeSeconds, nowMs: Date.now() });
    return {
      state: cluster.state,
      ...health,
      source: health.source === 'DETECTOR' ? ClusterHealthSource.DETECTOR : ClusterHealthSource.NODE_RECORDS,
      nodesByStatus: [...records.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => ({ status: status as NodeStatus, count })),
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
