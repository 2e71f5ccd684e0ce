import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { ServiceGroupService } from '@haaas/management';
import type { GraphQLContext } from '../common/loaders';
import { Resource } from '../resources/resource.model';
import { Service, toService } from './service.model';
import { loadService } from './service-groups.loaders';

/** `Resource.service`: the service a resource belongs to, batched across the resources of a request. */
@Resolver(() => Resource)
export class ResourceServiceResolver {
  constructor(private readonly services: ServiceGroupService) {}

  @ResolveField(() => Service, { nullable: true, description: 'The service (resource group) it belongs to, or null.' })
  async service(@CurrentScope() scope: TenantScope, @Parent() resource: Resource, @Context() ctx: GraphQLContext): Promise<Service | null> {
    if (!resource.serviceId) return null;
    const service = await loadService(ctx, scope, this.services, resource.serviceId);
    return service ? toService(service) : null;
  }
}
