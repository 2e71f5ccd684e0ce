import { OperationState } from '@haaas/domain';
import type { OperationEntity, OperationStepRecord } from '@haaas/persistence';

/** The seed's actions (seeds/002), each run as an Operation by the `operation.run` job. */
export enum OperationKind {
  CLUSTER_START = 'CLUSTER_START',
  CLUSTER_STOP = 'CLUSTER_STOP',
  CLUSTER_SUSPEND = 'CLUSTER_SUSPEND',
  CLUSTER_RESUME = 'CLUSTER_RESUME',
  NODE_STARTUP = 'NODE_STARTUP',
  NODE_SHUTDOWN = 'NODE_SHUTDOWN',
  NODE_REBOOT = 'NODE_REBOOT',
  NODE_EVACUATE = 'NODE_EVACUATE',
  SERVICE_START = 'SERVICE_START',
  SERVICE_STOP = 'SERVICE_STOP',
  SERVICE_RESTART = 'SERVICE_RESTART',
  SERVICE_RELOCATE = 'SERVICE_RELOCATE',
  /** The operator attests that an incident's node is off (its fence failed): recovery proceeds. */
  INCIDENT_CONFIRM_FENCED = 'INCIDENT_CONFIRM_FENCED',
  /** Fence an incident's node again from the first level (its device was fixed). */
  INCIDENT_RETRY = 'INCIDENT_RETRY',
  /** Stop an incident's recovery: its unsettled services are FAILED with the operator's note. */
  INCIDENT_CANCEL = 'INCIDENT_CANCEL',
}

export enum OperationTargetType {
  CLUSTER = 'CLUSTER',
  NODE = 'NODE',
  SERVICE = 'SERVICE',
  INCIDENT = 'INCIDENT',
}

// the domain's, as the entity's column is (re-exported: the operations' other types are here)
export { OperationState };

export enum OperationStepState {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}

export const FINAL_OPERATION_STATES: ReadonlySet<string> = new Set([OperationState.SUCCEEDED, OperationState.FAILED, OperationState.CANCELLED]);

export function isFinalOperationState(state: string): boolean {
  return FINAL_OPERATION_STATES.has(state);
}

/** What each kind acts on. */
export const TARGET_OF_KIND: { readonly [K in OperationKind]: OperationTargetType } = {
  [OperationKind.CLUSTER_START]: OperationTargetType.CLUSTER,
  [OperationKind.CLUSTER_STOP]: OperationTargetType.CLUSTER,
  [OperationKind.CLUSTER_SUSPEND]: OperationTargetType.CLUSTER,
  [OperationKind.CLUSTER_RESUME]: OperationTargetType.CLUSTER,
  [OperationKind.NODE_STARTUP]: OperationTargetType.NODE,
  [OperationKind.NODE_SHUTDOWN]: OperationTargetType.NODE,
  [OperationKind.NODE_REBOOT]: OperationTargetType.NODE,
  [OperationKind.NODE_EVACUATE]: OperationTargetType.NODE,
  [OperationKind.SERVICE_START]: OperationTargetType.SERVICE,
  [OperationKind.SERVICE_STOP]: OperationTargetType.SERVICE,
  [OperationKind.SERVICE_RESTART]: OperationTargetType.SERVICE,
  [OperationKind.SERVICE_RELOCATE]: OperationTargetType.SERVICE,
  [OperationKind.INCIDENT_CONFIRM_FENCED]: OperationTargetType.INCIDENT,
  [OperationKind.INCIDENT_RETRY]: OperationTargetType.INCIDENT,
  [OperationKind.INCIDENT_CANCEL]: OperationTargetType.INCIDENT,
};

/** Parameters some kinds take (stored in `operations.params`). */
export interface OperationParams {
  /** SERVICE_RELOCATE (and SERVICE_START): the node to go to; absent: the best one by placement. */
  readonly targetNodeId?: string;
  /** INCIDENT_*: the operator's why (required to confirm a fence and to cancel), kept in the cluster log. */
  readonly note?: string;
}

/** An operation as the application hands it out (the stored row; transports map it). */
export type OperationRecord = OperationEntity;
export type OperationStepRecordView = OperationStepRecord;

export interface OperationFilter {
  readonly clusterId?: string | null;
  readonly state?: OperationState | null;
  readonly kind?: OperationKind | null;
  readonly targetId?: string | null;
}

/** A request for an action, as the API receives it. */
export interface OperationRequest {
  readonly kind: OperationKind;
  readonly targetId: string;
  readonly params?: OperationParams;
  /** Same key (per tenant), same request: the same operation is returned instead of a new one. */
  readonly idempotencyKey?: string | null;
}
