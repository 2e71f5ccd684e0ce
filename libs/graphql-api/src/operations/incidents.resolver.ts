import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FailoverPlanService, IncidentsService } from '@haaas/operations';
import { ClusterService, NodeService, ServiceGroupService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { loadCluster } from '../clusters/cluster.loader';
import { Node, toNode } from '../nodes/node.model';
import { loadNode, loadService } from '../service-groups/service-groups.loaders';
import { Service, toService } from '../service-groups/service.model';
import { FailoverPlan, PlannedServiceRecovery, toFailoverPlan } from './failover-plan.model';
import { IncidentsArgs } from './operation.args';
import { Incident, IncidentConnection, ServiceRecovery, toIncident } from './incident.model';

@Resolver(() => Incident)
export class IncidentsResolver {
  constructor(
    private readonly incidentService: IncidentsService,
    private readonly clusters: ClusterService,
    private readonly nodes: NodeService,
  ) {}

  @Query(() => Incident, { description: 'An incident (one node failure and its recovery) by id.' })
  async incident(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Incident> {
    return toIncident(await this.incidentService.get(scope, id));
  }

  @Query(() => IncidentConnection, { description: 'Incidents of the tenant, newest first.' })
  async incidents(@CurrentScope() scope: TenantScope, @Args() args: IncidentsArgs): Promise<IncidentConnection> {
    const filter = args.filter ?? {};
    return toConnection(await this.incidentService.page(scope, { clusterId: filter.clusterId, nodeId: filter.nodeId, state: filter.state }, toPageArgs(args, 'DESC')), toIncident);
  }

  @ResolveField(() => Cluster)
  cluster(@CurrentScope() scope: TenantScope, @Parent() incident: Incident, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusters, incident.clusterId);
  }

  @ResolveField(() => Node, { nullable: true, description: 'The failed node (null once it has left the cluster).' })
  async node(@CurrentScope() scope: TenantScope, @Parent() incident: Incident, @Context() ctx: GraphQLContext): Promise<Node | null> {
    const node = await loadNode(ctx, scope, this.nodes, incident.nodeId);
    return node ? toNode(node) : null;
  }
}

@Resolver(() => ServiceRecovery)
export class ServiceRecoveryResolver {
  constructor(
    private readonly services: ServiceGroupService,
    private readonly nodes: NodeService,
  ) {}

  @ResolveField(() => Service, { nullable: true, description: 'The service (null once destroyed).' })
  async service(@CurrentScope() scope: TenantScope, @Parent() r: ServiceRecovery, @Context() ctx: GraphQLContext): Promise<Service | null> {
    const s = await loadService(ctx, scope, this.services, r.serviceId);
    return s ? toService(s) : null;
  }

  @ResolveField(() => Node, { nullable: true })
  async targetNode(@CurrentScope() scope: TenantScope, @Parent() r: ServiceRecovery, @Context() ctx: GraphQLContext): Promise<Node | null> {
    if (!r.targetNodeId) return null;
    const n = await loadNode(ctx, scope, this.nodes, r.targetNodeId);
    return n ? toNode(n) : null;
  }
}

@Resolver(() => FailoverPlan)
export class FailoverPlanResolver {
  constructor(
    private readonly plans: FailoverPlanService,
    private readonly nodes: NodeService,
  ) {}

  @Query(() => FailoverPlan, {
    description: 'Dry run: what would happen if this node failed now (fencing levels, quorum, placements, order and waves, services that would fail and why). Acts on nothing.',
  })
  async failoverPlan(@CurrentScope() scope: TenantScope, @Args('nodeId', { type: () => ID }) nodeId: string): Promise<FailoverPlan> {
    return toFailoverPlan(await this.plans.plan(scope, nodeId));
  }

  @ResolveField(() => Node, { nullable: true, description: 'The node assumed failed.' })
  async node(@CurrentScope() scope: TenantScope, @Parent() plan: FailoverPlan, @Context() ctx: GraphQLContext): Promise<Node | null> {
    const n = await loadNode(ctx, scope, this.nodes, plan.nodeId);
    return n ? toNode(n) : null;
  }
}

@Resolver(() => PlannedServiceRecovery)
export class PlannedServiceRecoveryResolver {
  constructor(
    private readonly services: ServiceGroupService,
    private readonly nodes: NodeService,
  ) {}

  @ResolveField(() => Service, { nullable: true })
  async service(@CurrentScope() scope: TenantScope, @Parent() p: PlannedServiceRecovery, @Context() ctx: GraphQLContext): Promise<Service | null> {
    const s = await loadService(ctx, scope, this.services, p.serviceId);
    return s ? toService(s) : null;
  }

  @ResolveField(() => Node, { nullable: true, description: 'START: where it would be started.' })
  async targetNode(@CurrentScope() scope: TenantScope, @Parent() p: PlannedServiceRecovery, @Context() ctx: GraphQLContext): Promise<Node | null> {
    if (!p.targetNodeId) return null;
    const n = await loadNode(ctx, scope, this.nodes, p.targetNodeId);
    return n ? toNode(n) : null;
  }
}
