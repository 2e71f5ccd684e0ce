import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { IncidentState } from '@haaas/domain';
import { OperationKind, OperationState } from '@haaas/operations';
import { ConnectionArgs } from '../common/connection.model';

const KEY_HELP =
  'Optional, 1-80 printable ASCII characters: the same key (per tenant) with the same request returns the operation it created the first time instead of a new one; with another request it is a CONFLICT.';

@ArgsType()
export class OperationActionArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: KEY_HELP })
  idempotencyKey?: string | null;
}

@ArgsType()
export class RelocateServiceArgs extends OperationActionArgs {
  @Field(() => ID, { nullable: true, description: 'The node to move it to; omitted: the best node of its failover domain by placement.' })
  targetNodeId?: string | null;
}

@ArgsType()
export class IncidentActionArgs {
  @Field(() => ID)
  incidentId!: string;

  @Field(() => String, { nullable: true, description: 'Why, in the cluster log with who asked (up to 1000 characters); required to confirm a fence and to cancel.' })
  note?: string | null;

  @Field(() => String, { nullable: true, description: KEY_HELP })
  idempotencyKey?: string | null;
}

@InputType()
export class OperationFilter {
  @Field(() => ID, { nullable: true })
  clusterId?: string | null;

  @Field(() => OperationState, { nullable: true })
  state?: OperationState | null;

  @Field(() => OperationKind, { nullable: true })
  kind?: OperationKind | null;

  @Field(() => ID, { nullable: true, description: 'The cluster, node, service or incident acted on.' })
  targetId?: string | null;
}

@ArgsType()
export class OperationsArgs extends ConnectionArgs {
  @Field(() => OperationFilter, { nullable: true })
  filter?: OperationFilter | null;
}

@InputType()
export class IncidentFilter {
  @Field(() => ID, { nullable: true })
  clusterId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The failed node.' })
  nodeId?: string | null;

  @Field(() => IncidentState, { nullable: true })
  state?: IncidentState | null;
}

@ArgsType()
export class IncidentsArgs extends ConnectionArgs {
  @Field(() => IncidentFilter, { nullable: true })
  filter?: IncidentFilter | null;
}
