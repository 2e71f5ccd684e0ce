import { Field, ID, InputType, Int } from '@nestjs/graphql';

@InputType()
export class FailoverDomainMemberInput {
  @Field(() => ID, { description: 'A node of the same cluster.' })
  nodeId!: string;

  @Field(() => Int, { defaultValue: 1, description: '1 (most preferred, as in rgmanager) to 100.' })
  priority!: number;
}

@InputType()
export class CreateFailoverDomainInput {
  @Field(() => ID)
  clusterId!: string;

  @Field({ description: '1-63 letters, digits, "_", "." or "-"; unique in the cluster.' })
  name!: string;

  @Field({ defaultValue: false, description: 'Prefer members by priority.' })
  ordered!: boolean;

  @Field({ defaultValue: false, description: 'Services may run only on members.' })
  restricted!: boolean;

  @Field({ defaultValue: false, description: 'Do not move services back when a more preferred member returns.' })
  nofailback!: boolean;

  @Field(() => [FailoverDomainMemberInput], { defaultValue: [], description: 'Each node at most once.' })
  members!: FailoverDomainMemberInput[];
}

@InputType({ description: 'Omitted fields keep their value.' })
export class UpdateFailoverDomainInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  ordered?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  restricted?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  nofailback?: boolean | null;

  @Field(() => [FailoverDomainMemberInput], { nullable: true, description: 'Replaces the whole member list when given.' })
  members?: FailoverDomainMemberInput[] | null;
}

@InputType()
export class FailoverDomainFilter {
  @Field(() => ID, { nullable: true })
  clusterId?: string | null;

  @Field(() => String, { nullable: true })
  nameContains?: string | null;
}
