/**
 * An incident's states and records, and the events the machine (incident.machine.ts) applies:
 * plain data, persisted as JSON by the engine.
 */
import type { RetryPolicy } from './engine.settings';
import type { RecoveryPlan } from './recovery.planner';

/** DETECTED → FENCING → (AWAITING_OPERATOR) → RECOVERING → RECOVERED | PARTIALLY_RECOVERED | FAILED; CANCELLED by an operator. */
export enum IncidentState {
  DETECTED = 'DETECTED',
  FENCING = 'FENCING',
  AWAITING_OPERATOR = 'AWAITING_OPERATOR',
  RECOVERING = 'RECOVERING',
  RECOVERED = 'RECOVERED',
  PARTIALLY_RECOVERED = 'PARTIALLY_RECOVERED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export enum AwaitingReason {
  /** The cluster is not quorate: nothing is fenced or recovered until quorum returns. */
  QUORUM = 'QUORUM',
  /** Fencing is required and every level failed (or there is no device): an operator must confirm the node is off. */
  FENCING = 'FENCING',
}

export enum ServiceRecoveryState {
  /** Waiting for its turn: a higher priority is still recovering, or the parallelism is used up. */
  PENDING = 'PENDING',
  /** Its turn: the worker must choose a target (the first, or the next after a target was given up). */
  PLACING = 'PLACING',
  STARTING = 'STARTING',
  /** A start failed; retried on the same target at `retryAtMs`. */
  RETRYING = 'RETRYING',
  RUNNING = 'RUNNING',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}

export enum FenceStepState {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

export enum RtoOutcome {
  MET = 'MET',
  MISSED = 'MISSED',
  /** Not recovered yet. */
  PENDING = 'PENDING',
  /** The service has no recovery time objective. */
  NONE = 'NONE',
}

export interface IncidentFenceDevice {
  readonly deviceId: string;
  readonly state: FenceStepState;
  readonly error: string | null;
  readonly atMs: number | null;
}

export interface IncidentFenceLevel {
  readonly level: number;
  readonly state: FenceStepState;
  readonly devices: readonly IncidentFenceDevice[];
}

export interface IncidentFencing {
  readonly required: boolean;
  readonly levels: readonly IncidentFenceLevel[];
  /** How the node was fenced: by its devices, or an operator's confirmation; null if it was not. */
  readonly fencedBy: 'DEVICE' | 'OPERATOR' | null;
  readonly confirmedBy: string | null;
  /** Recovery went ahead without a fence (fencingRequired=false). */
  readonly proceededUnfenced: boolean;
}

export interface ServiceRecovery {
  readonly serviceId: string;
  readonly priority: number;
  readonly state: ServiceRecoveryState;
  /** Why it is FAILED, SKIPPED, or why its last target was given up. */
  readonly reason: string | null;
  /** The dry-run target when the incident opened (a hint: the worker places again). */
  readonly plannedNodeId: string | null;
  readonly targetNodeId: string | null;
  readonly triedNodeIds: readonly string[];
  /** Start attempts, all targets together. */
  readonly attempts: number;
  /** Start attempts on the current target. */
  readonly targetAttempts: number;
  readonly maxRelocations: number;
  readonly retryAtMs: number | null;
  /** The first start command. */
  readonly startedAtMs: number | null;
  readonly recoveredAtMs: number | null;
  /** recoveredAtMs minus the incident's failure time (last seen, else detection). */
  readonly timeToRecoverMs: number | null;
  readonly rtoSeconds: number | null;
  readonly rto: RtoOutcome;
}

export interface IncidentTimings {
  /** The last heartbeat before the failure: the failure happened after it. Null when unknown. */
  readonly lastSeenAtMs: number | null;
  /** The node became suspect. */
  readonly detectedAtMs: number;
  /** Both channels agreed: the incident was opened. */
  readonly declaredAtMs: number;
  readonly fencingStartedAtMs: number | null;
  readonly fencedAtMs: number | null;
  readonly recoveryStartedAtMs: number | null;
  readonly closedAtMs: number | null;
}

export interface Incident {
  readonly id: string;
  readonly nodeId: string;
  readonly state: IncidentState;
  readonly awaiting: AwaitingReason | null;
  readonly reason: string | null;
  readonly fencing: IncidentFencing;
  /** In recovery order: priority descending, then service id. */
  readonly services: readonly ServiceRecovery[];
  readonly parallelism: number;
  readonly retry: RetryPolicy;
  readonly timings: IncidentTimings;
  /** Bumped on every change: a worker writes back only over the revision it read (compare and set). */
  readonly revision: number;
}

export type IncidentEvent =
  /** Start fencing, if the cluster is quorate (the worker checks quorum with `quorumReport`). */
  | { readonly type: 'BEGIN_FENCING'; readonly atMs: number; readonly quorate: boolean }
  | { readonly type: 'FENCE_DEVICE_RESULT'; readonly atMs: number; readonly level: number; readonly deviceId: string; readonly ok: boolean; readonly error?: string }
  /** An operator confirms the node is off (stonith_admin --confirm). */
  | { readonly type: 'OPERATOR_CONFIRMED_FENCED'; readonly atMs: number; readonly operator: string; readonly note?: string }
  /**
   * Fence again from the first level (the device was fixed): by an operator, or by the recovery
   * engine's own periodic retry of an incident waiting for a failed fence.
   */
  | { readonly type: 'RETRY_FENCING'; readonly atMs: number; readonly operator: string; readonly note?: string }
  | { readonly type: 'SERVICE_TARGET_CHOSEN'; readonly atMs: number; readonly serviceId: string; readonly nodeId: string }
  | { readonly type: 'SERVICE_NO_CANDIDATE'; readonly atMs: number; readonly serviceId: string; readonly reason: string }
  | { readonly type: 'SERVICE_START_FAILED'; readonly atMs: number; readonly serviceId: string; readonly nodeId: string; readonly error: string; readonly retryable: boolean }
  | { readonly type: 'SERVICE_RETRY_DUE'; readonly atMs: number; readonly serviceId: string }
  | { readonly type: 'SERVICE_RUNNING'; readonly atMs: number; readonly serviceId: string; readonly nodeId: string }
  | { readonly type: 'OPERATOR_CANCELLED'; readonly atMs: number; readonly operator: string; readonly reason: string };

/**
 * ok with changed=false: the event was already applied (a replayed job) or arrived late (a device
 * result for a level already decided): nothing to do. Not ok: the guard refused it; the incident
 * is returned unchanged.
 */
export type IncidentTransition =
  | { readonly ok: true; readonly changed: boolean; readonly incident: Incident }
  | { readonly ok: false; readonly error: string; readonly incident: Incident };

export interface OpenIncidentInput {
  readonly id: string;
  readonly plan: RecoveryPlan;
  readonly lastSeenAtMs: number | null;
  readonly detectedAtMs: number;
  readonly declaredAtMs: number;
  readonly retry?: Partial<RetryPolicy>;
}
