import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ClusterService, ResourceService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { AttributeChangeInput, toAttributeChange } from '../common/attribute.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { loadCluster } from '../clusters/cluster.loader';
import { DestroyResourceArgs, ResourcesArgs } from './resource.args';
import { CreateResourceInput, UpdateResourceInput } from './resource.input';
import { Resource, ResourceConnection, toResource } from './resource.model';

@Resolver(() => Resource)
export class ResourceResolver {
  constructor(
    private readonly resourceService: ResourceService,
    private readonly clusterService: ClusterService,
  ) {}

  @Query(() => Resource, { description: 'A resource by id.' })
  async resource(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Resource> {
    return toResource(await this.resourceService.get(scope, id));
  }

  @Query(() => ResourceConnection, { description: 'Resources of the tenant, oldest first.' })
  async resources(@CurrentScope() scope: TenantScope, @Args() args: ResourcesArgs): Promise<ResourceConnection> {
    return toConnection(await this.resourceService.page(scope, args.filter ?? {}, toPageArgs(args)), toResource);
  }

  @ResolveField(() => Cluster, { description: 'The cluster the resource belongs to.' })
  cluster(@CurrentScope() scope: TenantScope, @Parent() resource: Resource, @Context() ctx: GraphQLContext): Promise<Cluster> {
    return loadCluster(ctx, scope, this.clusterService, resource.clusterId);
  }

  @ResolveField(() => String, { nullable: true, description: 'The value of one attribute, or null.' })
  attribute(@Parent() resource: Resource, @Args('key') key: string): string | null {
    return resource.attributes.find((a) => a.key === key)?.value ?? null;
  }

  @Mutation(() => Resource, { description: 'Creates a resource in a cluster (in no service yet). Counts against the `resources` quota.' })
  async createResource(@CurrentScope() scope: TenantScope, @Args('input') input: CreateResourceInput): Promise<Resource> {
    return toResource(
      await this.resourceService.create(scope, {
        clusterId: input.clusterId,
        name: input.name,
        type: input.type,
        vm: input.vm,
        ip: input.ip,
        application: input.application,
        volume: input.volume,
        attributes: input.attributes ?? [],
      }),
    );
  }

  @Mutation(() => Resource, { description: 'Replaces the type-specific spec of a resource.' })
  async updateResource(@CurrentScope() scope: TenantScope, @Args('input') input: UpdateResourceInput): Promise<Resource> {
    return toResource(
      await this.resourceService.update(scope, { id: input.id, vm: input.vm, ip: input.ip, application: input.application, volume: input.volume }),
    );
  }

  @Mutation(() => Resource, { description: 'Sets and removes free-form attributes of a resource.' })
  async setResourceAttributes(
    @CurrentScope() scope: TenantScope,
    @Args('id', { type: () => ID }) id: string,
    @Args('change') change: AttributeChangeInput,
  ): Promise<Resource> {
    return toResource(await this.resourceService.setAttributes(scope, id, toAttributeChange(change)));
  }

  @Mutation(() => Resource, { description: 'Destroys a resource; CONFLICT while it belongs to a service unless forced. Returns it as it was.' })
  async destroyResource(@CurrentScope() scope: TenantScope, @Args() args: DestroyResourceArgs): Promise<Resource> {
    return toResource(await this.resourceService.destroy(scope, args.id, args.force));
  }
}
