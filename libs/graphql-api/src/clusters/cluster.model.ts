import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
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

  @Field(() => Int, { description: 'How long a returning preferred node must be ONLINE before services fail back to it.' })
  failbackStabilisationSeconds!: number;

  @Field(() => Int, { description: 'First wait before a failed fence is tried again by itself; the waits double up to 10 minutes.' })
  fenceRetrySeconds!: number;
}

@ObjectType()
export class NodeStatusCount {
  @Field(() => NodeStatus)
  status!: NodeStatus;

  @Field(() => Int)
  count!: number;
}

export enum ClusterHealthSource {
  DETECTOR = 'DETECTOR',
  NODE_RECORDS = 'NODE_RECORDS',
}
registerEnumType(ClusterHealthSource, {
  name: 'ClusterHealthSource',
  description: "Where the status's quorum and healthy counts come from: the failure detector's last evaluation (HA started), or the nodes' recorded statuses (HA not started, or no recent evaluation).",
});

@ObjectType({ description: 'Live summary of a cluster.' })
export class ClusterStatus {
  @Field(() => ClusterState)
  state!: ClusterState;

  @Field(() => Int)
  totalNodes!: number;

  @Field(() => Int, { description: 'ONLINE, not in maintenance and not suspect (heartbeats missing, undecided), as the detector counts them.' })
  healthyNodes!: number;

  @Field(() => Int, { description: 'Nodes needed for quorum: N/2 + 1.' })
  quorum!: number;

  @Field()
  quorate!: boolean;

  @Field(() => Int, { description: 'ONLINE nodes whose heartbeats are missing and not yet decided (the detector\'s view); 0 from node records.' })
  suspectNodes!: number;

  @Field(() => ClusterHealthSource)
  source!: ClusterHealthSource;

  @Field(() => Date, { nullable: true, description: "When the detector evaluated the cluster (source DETECTOR)." })
  evaluatedAt!: Date | null;

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
