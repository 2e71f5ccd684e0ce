import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType()
export class RateLimitInput {
  @Field(() => Int, { description: '1-1000000 requests at once.' })
  burst!: number;

  @Field(() => Int, { description: '0-1000000 refilled per second; 0 lifts the limit.' })
  perSecond!: number;
}

@InputType({ description: 'Each bucket: a value sets it, null resets it to the platform default, omitted keeps it.' })
export class SetTenantRateLimitsInput {
  @Field(() => ID)
  id!: string;

  @Field(() => RateLimitInput, { nullable: true })
  tenant?: RateLimitInput | null;

  @Field(() => RateLimitInput, { nullable: true })
  subject?: RateLimitInput | null;
}
