import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { RecoveryAction, ServiceState } from '@haaas/domain';
import type { ServiceRecord } from '@haaas/management';
import { Attribute, toAttributes } from '../common/attribute.model';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'The HA policy of a service. Times in seconds.' })
export class ServicePolicy {
  @Field(() => ID, { nullable: true, description: 'The failover domain it runs and fails over within; null: any node of the cluster.' })
  failoverDomainId!: string | null;

  @Field(() => Int, { description: 'Recovery order, 1-1000: a HIGHER value recovers first (unlike failover domain priorities).' })
  priority!: number;

  @Field(() => RecoveryAction, { description: 'What to do when it fails: restart in place, relocate to another node, or disable it.' })
  recoveryAction!: RecoveryAction;

  @Field(() => Int)
  startTimeoutSeconds!: number;

  @Field(() => Int)
  stopTimeoutSeconds!: number;

  @Field(() => Int, { description: 'Restarts on the same node within `restartWindowSeconds` before it is relocated.' })
  maxRestarts!: number;

  @Field(() => Int)
  restartWindowSeconds!: number;

  @Field(() => Int, { description: 'Relocations tried per incident before the service is FAILED.' })
  maxRelocations!: number;

  @Field({ description: 'Start it when the cluster starts.' })
  autostart!: boolean;

  @Field(() => String, { nullable: true, description: 'Services of the same group avoid running on the same node.' })
  antiAffinityGroup!: string | null;

  @Field(() => Int, { nullable: true, description: 'Target time from failure to running again; failovers are measured against it.' })
  recoveryTimeObjectiveSeconds!: number | null;
}

@ObjectType({ description: 'A service (resource group): resources that start in order, stop in reverse, and run together on one node at a time.' })
export class Service {
  @Field(() => ID)
  id!: string;

  /** Not a schema field: `cluster` is resolved from it (batched). */
  clusterId!: string;

  /** Not a schema field: `currentNode` is resolved from it (batched). */
  currentNodeId!: string | null;

  @Field({ description: 'Unique in the cluster.' })
  name!: string;

  @Field(() => ServiceState)
  state!: ServiceState;

  @Field(() => ServicePolicy)
  policy!: ServicePolicy;

  @Field(() => [Attribute])
  attributes!: Attribute[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class ServiceConnection extends Connection(Service, 'Service') {}

export function toService(s: ServiceRecord): Service {
  return {
    id: s.id,
    clusterId: s.clusterId,
    currentNodeId: s.currentNodeId,
    name: s.name,
    state: s.state,
    policy: {
      failoverDomainId: s.failoverDomainId,
      priority: s.priority,
      recoveryAction: s.recoveryAction,
      startTimeoutSeconds: s.startTimeoutSeconds,
      stopTimeoutSeconds: s.stopTimeoutSeconds,
      maxRestarts: s.maxRestarts,
      restartWindowSeconds: s.restartWindowSeconds,
      maxRelocations: s.maxRelocations,
      autostart: s.autostart,
      antiAffinityGroup: s.antiAffinityGroup,
      recoveryTimeObjectiveSeconds: s.recoveryTimeObjectiveSeconds,
    },
    attributes: toAttributes(s.attributes),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
