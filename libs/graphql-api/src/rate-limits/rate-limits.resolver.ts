import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly, CurrentScope, RateLimiter, type RateLimits, type TenantRateOverrides } from '@haaas/auth';
import { Problems, TenantScope } from '@haaas/domain';
import { TenantService } from '@haaas/management';
import { RateLimitInput, SetTenantRateLimitsInput } from './rate-limits.input';
import { TenantRateLimits } from './rate-limits.model';

/** The same bounds as the platform defaults' environment variables (@haaas/config). */
const MAX = 1_000_000;

function check(p: Problems, field: string, limit: RateLimitInput | null | undefined): void {
  if (!limit) return;
  p.check(Number.isInteger(limit.burst) && limit.burst >= 1 && limit.burst <= MAX, `${field}.burst`, `must be from 1 to ${MAX}`);
  p.check(Number.isInteger(limit.perSecond) && limit.perSecond >= 0 && limit.perSecond <= MAX, `${field}.perSecond`, `must be from 0 to ${MAX}`);
}

function toModel(tenantId: string, limits: RateLimits, overrides: TenantRateOverrides): TenantRateLimits {
  return { tenantId, ...limits, overrides: { tenant: overrides.tenant ?? null, subject: overrides.subject ?? null } };
}

/** A tenant's request rate limits: platform admins only (a tenant's own members cannot lift theirs). */
@Resolver(() => TenantRateLimits)
export class RateLimitsResolver {
  constructor(
    private readonly tenants: TenantService,
    private readonly limiter: RateLimiter,
  ) {}

  @AdminOnly()
  @Query(() => TenantRateLimits, { description: "A tenant's request rate limits, effective and its own overrides. Platform admins only." })
  async tenantRateLimits(@CurrentScope() scope: TenantScope, @Args('id', { type: () => ID }) id: string): Promise<TenantRateLimits> {
    await this.tenants.get(scope, id);
    const overrides = await this.limiter.overridesOf(id);
    return toModel(id, { ...this.limiter.defaults, ...overrides }, overrides);
  }

  @AdminOnly()
  @Mutation(() => TenantRateLimits, { description: "Sets or resets (null) a tenant's rate limits; every API replica applies them within 5 s. Platform admins only." })
  async setTenantRateLimits(@CurrentScope() scope: TenantScope, @Args('input') input: SetTenantRateLimitsInput): Promise<TenantRateLimits> {
    const p = new Problems();
    check(p, 'tenant', input.tenant);
    check(p, 'subject', input.subject);
    p.throwIfAny();
    await this.tenants.get(scope, input.id);
    const next: { -readonly [K in keyof TenantRateOverrides]: TenantRateOverrides[K] } = { ...(await this.limiter.overridesOf(input.id)) };
    for (const bucket of ['tenant', 'subject'] as const) {
      const given = input[bucket];
      if (given === null) delete next[bucket];
      else if (given) next[bucket] = { burst: given.burst, perSecond: given.perSecond };
    }
    const limits = await this.limiter.setTenantLimits(input.id, next);
    await this.tenants.audit(scope, { action: 'tenant.rate_limits_changed', tenantId: input.id, targetId: input.id, details: { overrides: next } });
    return toModel(input.id, limits, next);
  }
}
