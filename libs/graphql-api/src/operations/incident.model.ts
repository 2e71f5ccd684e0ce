import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { AwaitingReason, FenceStepState, IncidentState, RtoOutcome, ServiceRecoveryState } from '@haaas/domain';
import type { IncidentView, ServiceRecoveryView } from '@haaas/operations';
import { Connection } from '../common/connection.model';

registerEnumType(IncidentState, { name: 'IncidentState', description: 'DETECTED → FENCING → (AWAITING_OPERATOR) → RECOVERING → RECOVERED | PARTIALLY_RECOVERED | FAILED; or CANCELLED.' });
registerEnumType(AwaitingReason, { name: 'IncidentAwaitingReason', description: 'Why an incident waits for an operator.' });
registerEnumType(ServiceRecoveryState, { name: 'ServiceRecoveryState' });
registerEnumType(FenceStepState, { name: 'FenceStepState' });
registerEnumType(RtoOutcome, { name: 'RtoOutcome', description: 'Time to recover against the recovery time objective: MET, MISSED, PENDING (not settled), NONE (no objective).' });

@ObjectType({ description: 'One fencing device of a level, as it ran.' })
export class IncidentFenceDevice {
  @Field(() => ID)
  deviceId!: string;

  @Field(() => FenceStepState)
  state!: FenceStepState;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  agent!: string | null;

  @Field(() => String, { nullable: true, description: 'The power state the device reported.' })
  powerState!: string | null;

  @Field(() => Int, { nullable: true })
  latencyMs!: number | null;

  @Field(() => Int, { nullable: true })
  attempts!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date, { nullable: true })
  at!: Date | null;
}

@ObjectType()
export class IncidentFenceLevel {
  @Field(() => Int)
  level!: number;

  @Field(() => FenceStepState)
  state!: FenceStepState;

  @Field(() => [IncidentFenceDevice])
  devices!: IncidentFenceDevice[];
}

@ObjectType({ description: 'How fencing went.' })
export class IncidentFencing {
  @Field(() => Boolean, { nullable: true, description: "The cluster's fencingRequired when the incident ran (null before fencing began)." })
  required!: boolean | null;

  @Field(() => [IncidentFenceLevel])
  levels!: IncidentFenceLevel[];

  @Field(() => String, { nullable: true, description: 'DEVICE or OPERATOR (an operator confirmed the node is off).' })
  fencedBy!: string | null;

  @Field(() => String, { nullable: true })
  confirmedBy!: string | null;

  @Field({ description: 'Recovery went ahead without a successful fence (allowed by fencingRequired=false).' })
  proceededUnfenced!: boolean;
}

@ObjectType({ description: 'The recovery of one service of the failed node.' })
export class ServiceRecovery {
  @Field(() => ID)
  serviceId!: string;

  @Field(() => ServiceRecoveryState)
  state!: ServiceRecoveryState;

  @Field(() => Int)
  priority!: number;

  @Field(() => ID, { nullable: true, description: 'The node it is started on (or was last tried on).' })
  targetNodeId!: string | null;

  @Field(() => [ID], { description: 'Nodes tried, in order.' })
  triedNodeIds!: string[];

  @Field(() => Int, { description: 'Start attempts over all targets.' })
  attempts!: number;

  @Field(() => String, { nullable: true, description: 'Why it failed or was skipped.' })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'First start command.' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Running again.' })
  recoveredAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'recoveredAt − the last heartbeat (else the detection): the downtime its users saw, in ms.' })
  timeToRecoverMs!: number | null;

  @Field(() => Int, { nullable: true, description: "The service's recovery time objective at the time, in seconds." })
  rtoSeconds!: number | null;

  @Field(() => RtoOutcome)
  rto!: RtoOutcome;
}

@ObjectType({ description: 'Durations of the failover, in milliseconds.' })
export class IncidentTimings {
  @Field(() => Float, { description: 'declaredAt − the last heartbeat (else the detection): how long the failure took to be declared.' })
  detectionMs!: number;

  @Field(() => Float, { nullable: true, description: 'From the first fencing action to the node fenced.' })
  fencingMs!: number | null;

  @Field(() => Float, { nullable: true, description: 'The slowest recovered service.' })
  maxTimeToRecoverMs!: number | null;

  @Field(() => Int)
  rtoMet!: number;

  @Field(() => Int)
  rtoMissed!: number;
}

@ObjectType({ description: 'One node failure and its recovery (one per failure, however many detectors or notifications reported it).' })
export class Incident {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  clusterId!: string;

  @Field(() => ID, { description: 'The failed node.' })
  nodeId!: string;

  @Field(() => IncidentState)
  state!: IncidentState;

  @Field(() => AwaitingReason, { nullable: true })
  awaiting!: AwaitingReason | null;

  @Field({ description: 'DETECTOR, or NOTIFICATION (an external monitor reported it).' })
  source!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => Date, { nullable: true, description: 'The last heartbeat before the failure.' })
  lastSeenAt!: Date | null;

  @Field({ description: 'The node became suspect.' })
  detectedAt!: Date;

  @Field({ description: 'Both channels agreed: the node was declared failed.' })
  declaredAt!: Date;

  @Field(() => Date, { nullable: true })
  fencingStartedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  fencedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  recoveryStartedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'The incident settled.' })
  finishedAt!: Date | null;

  @Field(() => IncidentFencing)
  fencing!: IncidentFencing;

  @Field(() => [ServiceRecovery], { description: 'In recovery order (priority descending).' })
  services!: ServiceRecovery[];

  @Field(() => IncidentTimings)
  timings!: IncidentTimings;
}

@ObjectType()
export class IncidentConnection extends Connection(Incident, 'Incident') {}

function toServiceRecovery(v: ServiceRecoveryView): ServiceRecovery {
  const r = v.row;
  return {
    serviceId: r.serviceId,
    state: r.state as ServiceRecoveryState,
    priority: r.priority,
    targetNodeId: r.targetNodeId,
    triedNodeIds: [...r.triedNodeIds],
    attempts: r.attempts,
    reason: r.reason,
    startedAt: r.startedAt,
    recoveredAt: r.recoveredAt,
    timeToRecoverMs: v.timeToRecoverMs,
    rtoSeconds: r.rtoSeconds,
    rto: v.rto,
  };
}

export function toIncident(v: IncidentView): Incident {
  const r = v.row;
  return {
    id: r.id,
    clusterId: r.clusterId,
    nodeId: r.nodeId,
    state: r.state as IncidentState,
    awaiting: (v.awaiting as AwaitingReason | null) ?? null,
    source: r.source,
    reason: r.reason,
    lastSeenAt: r.lastSeenAt,
    detectedAt: v.detectedAt,
    declaredAt: r.declaredAt,
    fencingStartedAt: v.fencingStartedAt,
    fencedAt: r.fencedAt,
    recoveryStartedAt: v.recoveryStartedAt,
    finishedAt: r.finishedAt,
    fencing: {
      required: v.fencingRequired,
      fencedBy: v.fencedBy,
      confirmedBy: v.confirmedBy,
      proceededUnfenced: v.proceededUnfenced,
      levels: v.fencingLevels.map((l) => ({
        level: l.level,
        state: l.state,
        devices: l.devices.map((d) => ({
          deviceId: d.deviceId,
          state: d.state,
          name: d.name ?? null,
          agent: d.agent ?? null,
          powerState: d.powerState ?? null,
          latencyMs: d.latencyMs ?? null,
          attempts: d.attempts ?? null,
          error: d.error,
          at: d.atMs === null ? null : new Date(d.atMs),
        })),
      })),
    },
    services: v.services.map(toServiceRecovery),
    timings: { detectionMs: v.detectionMs, fencingMs: v.fencingMs, maxTimeToRecoverMs: v.maxTimeToRecoverMs, rtoMet: v.rtoMet, rtoMissed: v.rtoMissed },
  };
}
