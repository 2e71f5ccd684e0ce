import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AdminOnly, CurrentScope } from '@haaas/auth';
import { Problems, TenantScope } from '@haaas/domain';
import { TenantService } from '@haaas/management';
import type { TenantUsage as TenantUsageValue } from '@haaas/management';
import { MAX_PAGE_SIZE } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { TenantsArgs } from './tenant.args';
import { decodeTenantCursor, encodeTenantCursor } from './tenant-cursor.util';
import { CreateTenantInput, SetTenantQuotaInput } from './tenant.input';
import { Tenant, TenantConnection, TenantUsage, toTenant, Viewer } from './tenant.model';

/** Tenants and quotas: platform admins only, except `viewer` (the caller's own tenant). */
@Resolver(() => Tenant)
export class TenantResolver {
  constructor(private readonly tenantService: TenantService) {}

  @AdminOnly()
  @Query(() => TenantConnection, { description: 'All tenants, by id. Platform admins only.' })
  async tenants(@CurrentScope() scope: TenantScope, @Args() args: TenantsArgs): Promise<TenantConnection> {
    const p = new Problems();
    p.check(Number.isInteger(args.first) && args.first >= 1 && args.first <= MAX_PAGE_SIZE, 'first', `must be from 1 to ${MAX_PAGE_SIZE}`);
    p.throwIfAny();
    const page = await this.tenantService.list(scope, { first: args.first, after: args.after ? decodeTenantCursor(args.after) : null });
    const nodes = page.rows.map((t) => toTenant(t, this.tenantService.quotaOf(t)));
    const last = nodes[nodes.length - 1];
    return {
      edges: nodes.map((node) => ({ cursor: encodeTenantCursor(node.id), node })),
      nodes,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeTenantCursor(last.id) : null },
    };
  }

  @AdminOnly()
  @Query(() => Tenant, { description: 'A tenant by id. Platform admins only.' })
  async tenant(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<Tenant> {
    const row = await this.tenantService.get(scope, id);
    return toTenant(row, this.tenantService.quotaOf(row));
  }

  @AdminOnly()
  @Mutation(() => Tenant, { description: 'Creates a tenant ahead of its first request (tenants are otherwise created on first use). CONFLICT if it exists.' })
  async createTenant(@CurrentScope() scope: TenantScope, @Args('input') input: CreateTenantInput): Promise<Tenant> {
    const row = await this.tenantService.create(scope, { id: input.id, displayName: input.displayName });
    return toTenant(row, this.tenantService.quotaOf(row));
  }

  @AdminOnly()
  @Mutation(() => Tenant, { description: 'Sets or resets (null) the quota limits of a tenant. Platform admins only.' })
  async setTenantQuota(@CurrentScope() scope: TenantScope, @Args('input') input: SetTenantQuotaInput): Promise<Tenant> {
    const row = await this.tenantService.setQuota(scope, input);
    return toTenant(row, this.tenantService.quotaOf(row));
  }

  @ResolveField(() => TenantUsage, { description: 'Objects the tenant has now.' })
  async usage(@CurrentScope() scope: TenantScope, @Parent() tenant: Tenant, @Context() ctx: GraphQLContext): Promise<TenantUsage> {
    const loader = ctx.loaders.get<TenantUsageValue>('tenant.usage', null, (ids) => this.tenantService.usageOf(scope, ids));
    return loader.load(tenant.id);
  }
}

@Resolver(() => Viewer)
export class ViewerResolver {
  constructor(private readonly tenantService: TenantService) {}

  @Query(() => Viewer, { description: 'Who is calling, and their tenant with its quota and usage.' })
  viewer(@CurrentScope() scope: TenantScope): Viewer {
    return { subject: scope.actor.subject, tenantId: scope.tenantId, roles: [...scope.actor.roles] };
  }

  @ResolveField(() => Tenant, { description: 'The own tenant of the caller.' })
  async tenant(@CurrentScope() scope: TenantScope): Promise<Tenant> {
    const row = await this.tenantService.own(scope);
    return toTenant(row, this.tenantService.quotaOf(row));
  }
}
