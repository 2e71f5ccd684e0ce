import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, FailoverDomainService, NodeService, ServiceGroupService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { AttributeChangeInput, toAttributeChange } from '../common/attribute.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { loadCluster } from '../clusters/cluster.loader';
import { Resource, toResource } from '../resources/resource.model';
import { Node, toNode } from '../nodes/node.model';
import { FailoverDomain, toFailoverDomain } from './failover-domain.model';
import { DestroyServiceArgs, RemoveServiceResourceArgs, ServicesArgs } from './service.args';
import { AddServiceResourceInput, CreateServiceInput, UpdateServicePolicyInput } from './service.input';
import { Service, ServiceConnection, ServicePolicy, toService } from './service.model';
import { loadFailoverDomain, loadNode, loadServiceResources } from './service-groups.loaders';

@Resolver(() => Service)
export class ServiceResolver {
  constructor(
    private readonly serviceGroups: ServiceGroupService,
    private readonly clusters: ClusterService,
    private readonly nodes: NodeService,
  ) {}

  @Query(() => Service, { description: 'A service (resource group) by id.' })
  async service(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Service> {
    return toService(await this.serviceGroups.get(scope, id));
  }

  @Query(() => ServiceConnection, { description: 'Services of the tenant, oldest first.' })
  async services(@CurrentScope() scope: TenantScope, @Args() args: ServicesArgs): Promise<ServiceConnection> {
    return toConnection(await this.serviceGroups.page(scope, args.filter ?? {}, toPageArgs(args)), toService);
  }

  @ResolveField(() => Cluster, { description: 'The cluster the service belongs to.' })
  cluster(@CurrentScope() scope: TenantScope, @Parent() service: Service, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusters, service.clusterId);
  }

  @ResolveField(() => Node, { nullable: true, description: 'The node it runs on (one at a time), or null.' })
  async currentNode(@CurrentScope() scope: TenantScope, @Parent() service: Service, @Context() ctx: GraphQLContext): Promise<Node | null> {
    if (!service.currentNodeId) return null;
    const node = await loadNode(ctx, scope, this.nodes, service.currentNodeId);
    return node ? toNode(node) : null;
  }

  @ResolveField(() => [Resource], { description: 'Its resources in start order (they stop in reverse).' })
  async resources(@CurrentScope() scope: TenantScope, @Parent() service: Service, @Context() ctx: GraphQLContext): Promise<Resource[]> {
    return (await loadServiceResources(ctx, scope, this.serviceGroups, service.id)).map(toResource);
  }

  @ResolveField(() => String, { nullable: true, description: 'The value of one attribute, or null.' })
  attribute(@Parent() service: Service, @Args('key') key: string): string | null {
    return service.attributes.find((a) => a.key === key)?.value ?? null;
  }

  @Mutation(() => Service, { description: 'Creates a service, STOPPED, with its policy and resources. Counts against the `services` quota.' })
  async createService(@CurrentScope() scope: TenantScope, @Args('input') input: CreateServiceInput): Promise<Service> {
    return toService(
      await this.serviceGroups.create(scope, {
        clusterId: input.clusterId,
        name: input.name,
        policy: input.policy ?? undefined,
        resources: input.resources ?? [],
        attributes: input.attributes ?? [],
      }),
    );
  }

  @Mutation(() => Service, {
    description: 'Destroys a service; CONFLICT unless it is STOPPED, DISABLED or FAILED (or forced). Its resources are released, not deleted. Returns it as it was.',
  })
  async destroyService(@CurrentScope() scope: TenantScope, @Args() args: DestroyServiceArgs): Promise<Service> {
    return toService(await this.serviceGroups.destroy(scope, args.id, args.force));
  }

  @Mutation(() => Service, { description: 'Adds a resource of the same cluster at a start position (default last); the others shift.' })
  async addServiceResource(@CurrentScope() scope: TenantScope, @Args('input') input: AddServiceResourceInput): Promise<Service> {
    return toService(await this.serviceGroups.addResource(scope, { serviceId: input.serviceId, resourceId: input.resourceId, position: input.position }));
  }

  @Mutation(() => Service, { description: 'Takes a resource out of a service (the resource remains); the others close the gap.' })
  async removeServiceResource(@CurrentScope() scope: TenantScope, @Args() args: RemoveServiceResourceArgs): Promise<Service> {
    return toService(await this.serviceGroups.removeResource(scope, args.serviceId, args.resourceId));
  }

  @Mutation(() => Service, { description: 'Changes the HA policy of a service; omitted fields keep their value.' })
  async updateServicePolicy(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateServicePolicyInput): Promise<Service> {
    return toService(await this.serviceGroups.updatePolicy(scope, { id: input.id, policy: input.policy }));
  }

  @Mutation(() => Service, { description: 'Sets and removes free-form attributes of a service.' })
  async setServiceAttributes(
    @CurrentScope() scope: TenantScope,
    @Args('id', { type: () => ID }) id: string,
    @Args('change') change: AttributeChangeInput,
  ): Promise<Service> {
    return toService(await this.serviceGroups.setAttributes(scope, id, toAttributeChange(change)));
  }
}

@Resolver(() => ServicePolicy)
export class ServicePolicyResolver {
  constructor(private readonly domains: FailoverDomainService) {}

  @ResolveField(() => FailoverDomain, { nullable: true, description: 'The failover domain, or null: any node of the cluster.' })
  async failoverDomain(@CurrentScope() scope: TenantScope, @Parent() policy: ServicePolicy, @Context() ctx: GraphQLContext): Promise<FailoverDomain | null> {
    if (!policy.failoverDomainId) return null;
    const domain = await loadFailoverDomain(ctx, scope, this.domains, policy.failoverDomainId);
    return domain ? toFailoverDomain(domain) : null;
  }
}
