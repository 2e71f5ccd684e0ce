import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ClusterState, FenceFailurePolicy, NodeStatus, PlannedOutcome, RecoveryAction, RecoveryBlockerCode, RejectionReason } from '@haaas/domain';
import type { FailoverPlanView } from '@haaas/operations';

registerEnumType(PlannedOutcome, { name: 'PlannedOutcome', description: 'START on a target, SKIP (recovery action DISABLE), or WILL_FAIL (no node can take it).' });
registerEnumType(RecoveryBlockerCode, { name: 'RecoveryBlockerCode' });
registerEnumType(RejectionReason, { name: 'PlacementRejectionReason', description: 'Why a node cannot take a service, in the order placement checks.' });
registerEnumType(FenceFailurePolicy, { name: 'FenceFailurePolicy', description: 'What happens when every fencing level fails.' });

@ObjectType({ description: 'Quorum of the cluster with the node counted as failed: N/2 + 1 healthy nodes.' })
export class QuorumReport {
  @Field(() => Int)
  totalNodes!: number;

  @Field(() => Int, { description: 'ONLINE, not in maintenance.' })
  healthyNodes!: number;

  @Field(() => Int)
  quorum!: number;

  @Field()
  quorate!: boolean;
}

@ObjectType({ description: 'One level of the fencing topology: every device of it must succeed.' })
export class FencingPlanLevel {
  @Field(() => Int)
  level!: number;

  @Field(() => [ID], { description: 'Fencing devices of the level (`fencingDevice(id)`).' })
  deviceIds!: string[];
}

@ObjectType()
export class FencingPlan {
  @Field({ description: "The cluster's fencingRequired." })
  required!: boolean;

  @Field(() => [FencingPlanLevel], { description: 'Tried in order; the first level whose devices all succeed fences the node.' })
  levels!: FencingPlanLevel[];

  @Field(() => FenceFailurePolicy)
  onFailure!: FenceFailurePolicy;

  @Field()
  summary!: string;
}

@ObjectType({ description: 'Something that stops recovery until an operator acts; the plan still shows what would follow.' })
export class RecoveryBlocker {
  @Field(() => RecoveryBlockerCode)
  code!: RecoveryBlockerCode;

  @Field()
  message!: string;
}

@ObjectType()
export class PlacementRejection {
  @Field(() => ID)
  nodeId!: string;

  @Field(() => RejectionReason)
  reason!: RejectionReason;

  @Field()
  detail!: string;
}

@ObjectType({ description: 'What recovery would do with one service of the failed node.' })
export class PlannedServiceRecovery {
  @Field(() => ID)
  serviceId!: string;

  @Field(() => Int)
  priority!: number;

  @Field(() => RecoveryAction)
  recoveryAction!: RecoveryAction;

  @Field(() => Int)
  maxRelocations!: number;

  @Field(() => Int, { nullable: true })
  recoveryTimeObjectiveSeconds!: number | null;

  @Field(() => PlannedOutcome)
  outcome!: PlannedOutcome;

  @Field(() => ID, { nullable: true, description: 'START: where it would be started.' })
  targetNodeId!: string | null;

  @Field(() => Int, { nullable: true, description: 'START: its wave (1 first).' })
  wave!: number | null;

  @Field(() => String, { nullable: true, description: 'SKIP and WILL_FAIL: why.' })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'E.g. that RESTART relocates because its node is the one that failed.' })
  note!: string | null;

  @Field(() => [PlacementRejection], { description: 'WILL_FAIL: why each node was rejected.' })
  rejected!: PlacementRejection[];
}

@ObjectType({ description: 'Services started together: one priority, at most `parallelism` of them.' })
export class RecoveryWave {
  @Field(() => Int)
  index!: number;

  @Field(() => Int)
  priority!: number;

  @Field(() => [ID])
  serviceIds!: string[];
}

@ObjectType()
export class PlannedCounts {
  @Field(() => Int)
  start!: number;

  @Field(() => Int)
  skip!: number;

  @Field(() => Int)
  willFail!: number;
}

@ObjectType({ description: 'How long the plan expects the failure to take to be declared: the deadtime, or longer while the node is in a grace period.' })
export class PlannedDetection {
  @Field(() => Int)
  heartbeatIntervalSeconds!: number;

  @Field(() => Int, { description: 'Silence after which the node is suspect and the hypervisor manager is asked.' })
  deadtimeSeconds!: number;

  @Field(() => Int, { description: 'After a reboot, a fence or maintenance, no failure is declared for this long.' })
  bootGraceSeconds!: number;

  @Field(() => Date, { nullable: true, description: 'The node is in a grace period until then: a failure is declared no earlier.' })
  graceUntil!: Date | null;

  @Field(() => Int, { description: 'From the last heartbeat to the declaration, at the earliest: max(deadtime, what is left of the grace period), plus one probe.' })
  expectedSeconds!: number;

  @Field()
  summary!: string;
}

@ObjectType({ description: 'A node as the plan counted it, before the plan\'s placements.' })
export class PlannedNodeCapacity {
  @Field(() => ID)
  nodeId!: string;

  @Field(() => NodeStatus)
  status!: NodeStatus;

  @Field({ description: 'ONLINE, not in maintenance, heard from within the deadtime, and not the failed node: it may take services.' })
  candidate!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it is no candidate.' })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Its last heartbeat.' })
  lastHeardAt!: Date | null;

  @Field(() => Int)
  capacityCpus!: number;

  @Field(() => Int)
  capacityMemoryMb!: number;

  @Field(() => Int)
  usedCpus!: number;

  @Field(() => Int)
  usedMemoryMb!: number;
}

@ObjectType({
  description:
    'Dry run: what would happen if this node failed now (fencing, quorum, where each service would go, in which order and wave, and which would fail and why), computed by the same planner as recovery, without acting.',
})
export class FailoverPlan {
  @Field(() => ID, { description: 'The node assumed failed.' })
  nodeId!: string;

  @Field(() => ID)
  clusterId!: string;

  @Field(() => ClusterState)
  clusterState!: ClusterState;

  @Field({ description: 'False when the cluster is STOPPED or SUSPENDED: such a failure would not be acted on now.' })
  haActive!: boolean;

  @Field(() => QuorumReport)
  quorum!: QuorumReport;

  @Field(() => FencingPlan)
  fencing!: FencingPlan;

  @Field(() => [RecoveryBlocker], { description: 'Non-empty: nothing would be started until an operator acts.' })
  blockers!: RecoveryBlocker[];

  @Field(() => [PlannedServiceRecovery], { description: 'Every service on the node, in recovery order (priority descending).' })
  services!: PlannedServiceRecovery[];

  @Field(() => [RecoveryWave])
  waves!: RecoveryWave[];

  @Field(() => Int)
  parallelism!: number;

  @Field(() => PlannedCounts)
  counts!: PlannedCounts;

  @Field(() => PlannedDetection, { description: 'The detection delay the plan expects (deadtime, grace period).' })
  detection!: PlannedDetection;

  @Field(() => [PlannedNodeCapacity], { description: 'The capacity the plan assumes: every node of the cluster, with what it carries now and whether it can take services.' })
  capacity!: PlannedNodeCapacity[];

  @Field()
  plannedAt!: Date;
}

export function toFailoverPlan(p: FailoverPlanView): FailoverPlan {
  return {
    nodeId: p.failedNodeId,
    clusterId: p.clusterId,
    clusterState: p.clusterState,
    haActive: p.haActive,
    quorum: { ...p.quorum },
    fencing: { required: p.fencing.required, onFailure: p.fencing.onFailure, summary: p.fencing.summary, levels: p.fencing.levels.map((l) => ({ level: l.level, deviceIds: [...l.deviceIds] })) },
    blockers: p.blockers.map((b) => ({ ...b })),
    services: p.services.map((s) => ({ ...s, rejected: s.rejected.map((r) => ({ ...r })) })),
    waves: p.waves.map((w) => ({ ...w, serviceIds: [...w.serviceIds] })),
    parallelism: p.parallelism,
    counts: { ...p.counts },
    detection: { ...p.detection },
    capacity: p.capacity.map((c) => ({ ...c })),
    plannedAt: p.plannedAt,
  };
}
