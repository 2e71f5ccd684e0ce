import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OperationKind, OperationState, OperationStepState, OperationTargetType } from '@haaas/operations';
import type { OperationRecord } from '@haaas/operations';
import { Connection } from '../common/connection.model';

registerEnumType(OperationKind, { name: 'OperationKind', description: 'The actions of seed 002, each run as an Operation.' });
registerEnumType(OperationState, { name: 'OperationState', description: 'PENDING (queued) → RUNNING → SUCCEEDED | FAILED | CANCELLED.' });
registerEnumType(OperationStepState, { name: 'OperationStepState' });
registerEnumType(OperationTargetType, { name: 'OperationTargetType' });

@ObjectType({ description: 'One step of an operation. Each change of a step is also an event of the cluster log.' })
export class OperationStep {
  @Field({ description: 'What the step does, e.g. `activate HA`, `move service web`, `power off`.' })
  name!: string;

  @Field(() => OperationStepState)
  state!: OperationStepState;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'How it went: what was done, or why it failed.' })
  message!: string | null;
}

@ObjectType({ description: 'What an operation acts on.' })
export class OperationTarget {
  @Field(() => OperationTargetType)
  type!: OperationTargetType;

  @Field(() => ID, { description: 'The id of the cluster, node or service.' })
  id!: string;
}

@ObjectType({
  description:
    'An asynchronous action on hypervisors or BMCs (cluster start/stop/suspend/resume, node startup/shutdown/reboot/evacuate, service start/stop/restart/relocate). Query it, or subscribe to `operationUpdated`.',
})
export class Operation {
  @Field(() => ID)
  id!: string;

  @Field(() => OperationKind)
  kind!: OperationKind;

  @Field(() => OperationTarget)
  target!: OperationTarget;

  @Field(() => ID, { description: 'The cluster of the target.' })
  clusterId!: string;

  @Field(() => OperationState)
  state!: OperationState;

  @Field(() => Int, { description: '0-100: settled steps over all steps; 100 when it ends.' })
  progress!: number;

  @Field(() => [OperationStep], { description: 'In order; steps still to run are PENDING.' })
  steps!: OperationStep[];

  @Field(() => String, { nullable: true, description: 'Why it failed (or why the last attempt did, while it is retried).' })
  error!: string | null;

  @Field(() => Int, { description: 'Runs by a worker so far (a run interrupted by a worker crash is resumed by another).' })
  attempts!: number;

  @Field({ description: 'Token subject of who asked for it.' })
  requestedBy!: string;

  @Field(() => ID, { nullable: true, description: 'Service starts and relocations: the node asked for, or the one placement chose once the operation ran.' })
  targetNodeId!: string | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class OperationConnection extends Connection(Operation, 'Operation') {}

const date = (s: string | undefined): Date | null => (s ? new Date(s) : null);

export function toOperation(op: OperationRecord): Operation {
  const chosen = op.params['chosenNodeId'];
  const asked = op.params['targetNodeId'];
  return {
    id: op.id,
    kind: op.kind as OperationKind,
    target: { type: op.targetType as OperationTargetType, id: op.targetId },
    clusterId: op.clusterId,
    state: op.state as OperationState,
    progress: op.progress,
    steps: op.steps.map((s) => ({ name: s.name, state: s.state as OperationStepState, startedAt: date(s.startedAt), finishedAt: date(s.finishedAt), message: s.message ?? null })),
    error: op.error,
    attempts: op.attempts,
    requestedBy: op.requestedBy,
    targetNodeId: typeof chosen === 'string' ? chosen : typeof asked === 'string' ? asked : null,
    createdAt: op.createdAt,
    startedAt: op.startedAt,
    finishedAt: op.finishedAt,
    updatedAt: op.updatedAt,
  };
}
