import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'One token bucket: `burst` requests at once, refilled at `perSecond` (0: no limit).' })
export class RateLimit {
  @Field(() => Int)
  burst!: number;

  @Field(() => Int)
  perSecond!: number;
}

@ObjectType({ description: "A tenant's own limits; null where the platform default applies." })
export class TenantRateLimitOverrides {
  @Field(() => RateLimit, { nullable: true })
  tenant!: RateLimit | null;

  @Field(() => RateLimit, { nullable: true })
  subject!: RateLimit | null;
}

@ObjectType({ description: 'The request rate limits of a tenant, shared by every API replica (docs/api-limits.md).' })
export class TenantRateLimits {
  @Field(() => ID)
  tenantId!: string;

  @Field(() => RateLimit, { description: 'Effective: all requests of the tenant together.' })
  tenant!: RateLimit;

  @Field(() => RateLimit, { description: "Effective: one subject's (a token's `sub`) requests within the tenant." })
  subject!: RateLimit;

  @Field(() => RateLimit, { description: "One node agent's calls (heartbeats, action polls): the platform's, not per tenant." })
  node!: RateLimit;

  @Field(() => TenantRateLimitOverrides)
  overrides!: TenantRateLimitOverrides;
}
