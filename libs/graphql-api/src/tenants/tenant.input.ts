import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType()
export class CreateTenantInput {
  @Field(() => ID, { description: '1-64 letters, digits, "_" or "-": the `tenant` claim of its tokens (e.g. the Keystone project id).' })
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;
}

@InputType({ description: 'Each limit: an integer 0-1000000 sets it, null resets it to the platform default, omitted keeps it.' })
export class SetTenantQuotaInput {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true })
  maxClusters?: number | null;

  @Field(() => Int, { nullable: true })
  maxNodes?: number | null;

  @Field(() => Int, { nullable: true })
  maxResources?: number | null;

  @Field(() => Int, { nullable: true })
  maxServices?: number | null;
}
