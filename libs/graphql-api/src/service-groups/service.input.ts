import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { RecoveryAction, ServiceState } from '@haaas/domain';
import { AttributeInput } from '../common/attribute.model';

@InputType({ description: 'HA policy of a service. Omitted fields keep their current (or default) value; null clears failoverDomainId, antiAffinityGroup and recoveryTimeObjectiveSeconds.' })
export class ServicePolicyInput {
  @Field(() => ID, { nullable: true, description: 'A failover domain of the same cluster; default none (any node).' })
  failoverDomainId?: string | null;

  @Field(() => Int, { nullable: true, description: '1-1000, default 500; a HIGHER value recovers first.' })
  priority?: number | null;

  @Field(() => RecoveryAction, { nullable: true, description: 'Default RELOCATE.' })
  recoveryAction?: RecoveryAction | null;

  @Field(() => Int, { nullable: true, description: '1-86400, default 120.' })
  startTimeoutSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: '1-86400, default 120.' })
  stopTimeoutSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: '0-100, default 3.' })
  maxRestarts?: number | null;

  @Field(() => Int, { nullable: true, description: '1-604800, default 600.' })
  restartWindowSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: '0-100, default 3.' })
  maxRelocations?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  autostart?: boolean | null;

  @Field(() => String, { nullable: true, description: 'A name; default none.' })
  antiAffinityGroup?: string | null;

  @Field(() => Int, { nullable: true, description: '1-86400; default none.' })
  recoveryTimeObjectiveSeconds?: number | null;
}

@InputType()
export class CreateServiceInput {
  @Field(() => ID)
  clusterId!: string;

  @Field({ description: '1-63 letters, digits, "_", "." or "-"; unique in the cluster.' })
  name!: string;

  @Field(() => ServicePolicyInput, { nullable: true })
  policy?: ServicePolicyInput | null;

  @Field(() => [ID], { nullable: true, description: 'Resources of the same cluster, in no other service, in start order.' })
  resources?: string[] | null;

  @Field(() => [AttributeInput], { nullable: true })
  attributes?: AttributeInput[] | null;
}

@InputType()
export class UpdateServicePolicyInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ServicePolicyInput)
  policy!: ServicePolicyInput;
}

@InputType()
export class AddServiceResourceInput {
  @Field(() => ID)
  serviceId!: string;

  @Field(() => ID, { description: 'A resource of the same cluster that is in no service.' })
  resourceId!: string;

  @Field(() => Int, { nullable: true, description: '0-based start position; the resources from there on move one down. Default: last.' })
  position?: number | null;
}

@InputType()
export class ClusterServiceFilter {
  @Field(() => ServiceState, { nullable: true })
  state?: ServiceState | null;

  @Field(() => ID, { nullable: true })
  failoverDomainId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only services currently running on this node.' })
  nodeId?: string | null;

  @Field(() => String, { nullable: true })
  nameContains?: string | null;

  @Field(() => Int, { nullable: true, description: 'Only services with at least this priority (1-1000).' })
  minPriority?: number | null;
}

@InputType()
export class ServiceFilter extends ClusterServiceFilter {
  @Field(() => ID, { nullable: true })
  clusterId?: string | null;
}
