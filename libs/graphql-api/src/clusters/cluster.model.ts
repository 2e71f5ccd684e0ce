import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ClusterState, HeartbeatSource, Hypervisor, NodeStatus } from '@haaas/domain';
import { Attribute } from '../common/attribute.model';
import { Connection } from '../common/connection.model';

@ObjectType({ description: 'HA defaults of a cluster. Times in seconds.' })
export class ClusterPolicy {
  @Field(() => Int, { description: 'How often node agents send a heartbeat.' })
  heartbeatIntervalSeconds!: number;

  @Field(() => Int, { description: 'Silence after which a node is suspect.' })
  deadtimeSeconds!: number;

  @Field({ description: 'Never recover services of a failed node before it is fenced.' })
  fencingRequired!: boolean;

  @Field(() => Int, { description: 'Healthy nodes needed (besides quorum) to start HA.' })
  minHealthyNodes!: number;
}

@ObjectType()
export class NodeStatusCount {
  @Field(() => NodeStatus)
  status!: NodeStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Live summary of a cluster.' })
export class ClusterStatus {
  @Field(() => ClusterState)
  state!: ClusterState;

  @Field(() => Int)
  totalNodes!: number;

  @Field(() => Int)
  healthyNodes!: number;

  @Field(() => Int, { description: 'Nodes needed for quorum: N/2 + 1.' })
  quorum!: number;

  @Field()
  quorate!: boolean;

  @Field(() => [NodeStatusCount], { description: 'Nodes by status (statuses with no node are left out).' })
  nodesByStatus!: NodeStatusCount[];
}

@ObjectType({ description: 'A set of hypervisor hosts managed together.' })
export class Cluster {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Hypervisor)
  hypervisor!: Hypervisor;

  @Field(() => ClusterState)
  state!: ClusterState;

  @Field(() => ClusterPolicy)
  policy!: ClusterPolicy;

  @Field(() => HeartbeatSource, { description: 'Where node liveness comes from (docs/detector.md, "Heartbeat sources").' })
  heartbeatSource!: HeartbeatSource;

  @Field(() => [Attribute])
  attributes!: Attribute[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class ClusterConnection extends Connection(Cluster, 'Cluster') {}
