import {
  AwaitingReason,
  DEFAULT_RECOVERY_SETTINGS,
  DEFAULT_RETRY_POLICY,
  FenceStepState,
  Incident,
  IncidentState,
  openIncident,
  RecoveryPlan,
  RetryPolicy,
  RtoOutcome,
  ServiceRecovery,
  ServiceRecoveryState,
} from '@haaas/domain';
import type { IncidentEntity, ServiceRecoveryEntity } from '@haaas/persistence';

/**
 * How the recovery engine keeps the domain's `Incident` in the rows of the incidents and
 * service_recoveries tables. Pure: rows in, domain object out, and back.
 *
 * The incidents table has columns for the state, the reason and the main times; everything else
 * the incident machine needs (the fencing levels with every device's result, why the incident
 * waits, when fencing and recovery began) lives in its `fencing` JSON column, in the shape below.
 * Per-service state lives in one service_recoveries row per service, created when recovery begins.
 */

/** One fencing device's result, as the operator sees it (the domain's fields plus what the agent said). */
export interface FenceDeviceRecord {
  readonly deviceId: string;
  readonly state: FenceStepState;
  readonly error: string | null;
  readonly atMs: number | null;
  /** Filled when the device ran: its name and agent at the time, the power state it reported, latency, attempts and redacted output. */
  readonly name?: string;
  readonly agent?: string;
  readonly powerState?: string;
  readonly latencyMs?: number;
  readonly attempts?: number;
  readonly output?: string;
}

export interface FenceLevelRecord {
  readonly level: number;
  readonly state: FenceStepState;
  readonly devices: readonly FenceDeviceRecord[];
}

/** The `incidents.fencing` JSON column. */
export interface IncidentRecordJson {
  readonly v: 1;
  readonly required: boolean;
  readonly levels: readonly FenceLevelRecord[];
  readonly fencedBy: 'DEVICE' | 'OPERATOR' | null;
  readonly confirmedBy: string | null;
  readonly proceededUnfenced: boolean;
  readonly awaiting: AwaitingReason | null;
  /** When the node became suspect, if the detector said so (else the declaration time stands in). */
  readonly detectedAtMs: number | null;
  readonly fencingStartedAtMs: number | null;
  readonly recoveryStartedAtMs: number | null;
  /** Fixed when the incident first ran, so every worker admits services the same way. */
  readonly parallelism: number;
}

/** What the codec needs to know about the services of an incident that the rows do not carry. */
export interface ServicePolicyFacts {
  readonly maxRelocations: number;
}

/** The columns of a service recovery row the incident machine is hydrated from (read as plain rows). */
export const RECOVERY_COLUMNS = ['id', 'serviceId', 'state', 'priority', 'targetNodeId', 'triedNodeIds', 'attempts', 'targetAttempts', 'retryAt', 'reason', 'startedAt', 'recoveredAt', 'rtoSeconds'] as const satisfies readonly (keyof ServiceRecoveryEntity)[];
export type RecoveryRow = Pick<ServiceRecoveryEntity, (typeof RECOVERY_COLUMNS)[number]>;

export interface HydrateInput {
  readonly row: IncidentEntity;
  /** The service recovery rows; empty before recovery began. */
  readonly recoveries: readonly RecoveryRow[];
  /** The plan from the current rows: the services and fencing levels before recovery began. */
  readonly plan: RecoveryPlan;
  /** Current policies of the incident's services (a deleted service counts with maxRelocations 0). */
  readonly policies: ReadonlyMap<string, ServicePolicyFacts>;
  readonly retry?: Partial<RetryPolicy>;
  readonly parallelism?: number;
}

const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);

export function isIncidentRecordJson(v: unknown): v is IncidentRecordJson {
  const o = v as Partial<IncidentRecordJson> | null;
  return typeof o === 'object' && o !== null && o.v === 1 && Array.isArray(o.levels);
}

/**
 * The domain incident the rows describe. Before the first transition (the `fencing` column still
 * null, as the detector opens it) it is the incident `openIncident` makes from the plan; services
 * come from the plan until their rows exist.
 */
export function hydrateIncident(input: HydrateInput): Incident {
  const { row, plan } = input;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...input.retry };
  const json = isIncidentRecordJson(row.fencing) ? row.fencing : null;
  const fresh = openIncident({
    id: row.id,
    plan: json && json.parallelism ? { ...plan, parallelism: json.parallelism } : { ...plan, parallelism: input.parallelism ?? plan.parallelism },
    lastSeenAtMs: ms(row.lastSeenAt),
    detectedAtMs: json?.detectedAtMs ?? row.declaredAt.getTime(),
    declaredAtMs: row.declaredAt.getTime(),
    retry,
  });
  const base: Incident = {
    ...fresh,
    nodeId: row.nodeId,
    state: row.state as IncidentState,
    reason: row.reason,
    revision: row.version,
  };
  const timings = {
    ...base.timings,
    fencingStartedAtMs: json?.fencingStartedAtMs ?? null,
    fencedAtMs: ms(row.fencedAt),
    recoveryStartedAtMs: json?.recoveryStartedAtMs ?? null,
    closedAtMs: ms(row.finishedAt),
  };
  const fencing = json
    ? {
        required: json.required,
        levels: json.levels.map((l) => ({
          level: l.level,
          state: l.state,
          devices: l.devices.map((d) => ({ deviceId: d.deviceId, state: d.state, error: d.error, atMs: d.atMs })),
        })),
        fencedBy: json.fencedBy,
        confirmedBy: json.confirmedBy,
        proceededUnfenced: json.proceededUnfenced,
      }
    : base.fencing;
  const services = input.recoveries.length > 0 ? sortRecoveries(input.recoveries.map((r) => serviceFromRow(r, timings.lastSeenAtMs ?? timings.detectedAtMs, input.policies))) : base.services;
  return { ...base, awaiting: json?.awaiting ?? null, fencing, services, timings };
}

function sortRecoveries(services: ServiceRecovery[]): ServiceRecovery[] {
  // the machine's recovery order: priority descending, then service id
  return services.sort((a, b) => b.priority - a.priority || (a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0));
}

function serviceFromRow(r: RecoveryRow, failureAtMs: number, policies: ReadonlyMap<string, ServicePolicyFacts>): ServiceRecovery {
  const state = r.state as ServiceRecoveryState;
  const recoveredAtMs = ms(r.recoveredAt);
  const timeToRecoverMs = state === ServiceRecoveryState.RUNNING && recoveredAtMs !== null ? recoveredAtMs - failureAtMs : null;
  let rto: RtoOutcome;
  if (r.rtoSeconds === null || state === ServiceRecoveryState.SKIPPED) rto = RtoOutcome.NONE;
  else if (state === ServiceRecoveryState.FAILED) rto = RtoOutcome.MISSED;
  else if (timeToRecoverMs === null) rto = RtoOutcome.PENDING;
  else rto = timeToRecoverMs <= r.rtoSeconds * 1000 ? RtoOutcome.MET : RtoOutcome.MISSED;
  return {
    serviceId: r.serviceId,
    priority: r.priority,
    state,
    reason: r.reason,
    plannedNodeId: null,
    targetNodeId: r.targetNodeId,
    triedNodeIds: [...r.triedNodeIds],
    attempts: r.attempts,
    targetAttempts: r.targetAttempts,
    maxRelocations: policies.get(r.serviceId)?.maxRelocations ?? 0,
    retryAtMs: ms(r.retryAt),
    startedAtMs: ms(r.startedAt),
    recoveredAtMs,
    timeToRecoverMs,
    rtoSeconds: r.rtoSeconds,
    rto,
  };
}

/** Extra facts about fencing devices that ran, merged into the JSON next to the machine's state. */
export type FenceDetails = ReadonlyMap<string, Omit<FenceDeviceRecord, 'deviceId' | 'state' | 'error' | 'atMs'>>;

/** The JSON column for `incident`, keeping what earlier runs recorded about each device. */
export function incidentRecordJson(incident: Incident, previous: unknown, details: FenceDetails = new Map()): IncidentRecordJson {
  const prev = isIncidentRecordJson(previous) ? previous : null;
  const prevDevice = (level: number, deviceId: string): FenceDeviceRecord | undefined =>
    prev?.levels.find((l) => l.level === level)?.devices.find((d) => d.deviceId === deviceId);
  return {
    v: 1,
    required: incident.fencing.required,
    levels: incident.fencing.levels.map((l) => ({
      level: l.level,
      state: l.state,
      devices: l.devices.map((d) => ({ ...prevDevice(l.level, d.deviceId), ...details.get(`${l.level}/${d.deviceId}`), deviceId: d.deviceId, state: d.state, error: d.error, atMs: d.atMs })),
    })),
    fencedBy: incident.fencing.fencedBy,
    confirmedBy: incident.fencing.confirmedBy,
    proceededUnfenced: incident.fencing.proceededUnfenced,
    awaiting: incident.awaiting,
    detectedAtMs: incident.timings.detectedAtMs,
    fencingStartedAtMs: incident.timings.fencingStartedAtMs,
    recoveryStartedAtMs: incident.timings.recoveryStartedAtMs,
    parallelism: incident.parallelism,
  };
}

/** Writes the incident's own fields onto its row (not saved here). */
export function applyIncidentToRow(incident: Incident, row: IncidentEntity, details?: FenceDetails): void {
  row.state = incident.state;
  row.reason = truncate(incident.reason, 1024);
  row.fencedAt = incident.timings.fencedAtMs === null ? null : new Date(incident.timings.fencedAtMs);
  row.finishedAt = incident.timings.closedAtMs === null ? null : new Date(incident.timings.closedAtMs);
  row.fencing = incidentRecordJson(incident, row.fencing, details) as unknown as Record<string, unknown>;
}

/** The row fields of one service's recovery (for a new row, or onto an existing one). */
export function recoveryRowFields(s: ServiceRecovery): Pick<
  ServiceRecoveryEntity,
  'state' | 'priority' | 'targetNodeId' | 'triedNodeIds' | 'attempts' | 'targetAttempts' | 'retryAt' | 'reason' | 'startedAt' | 'recoveredAt' | 'rtoSeconds'
> {
  return {
    state: s.state,
    priority: s.priority,
    targetNodeId: s.targetNodeId,
    triedNodeIds: [...s.triedNodeIds],
    attempts: s.attempts,
    targetAttempts: s.targetAttempts,
    retryAt: s.retryAtMs === null ? null : new Date(s.retryAtMs),
    reason: truncate(s.reason, 1024),
    startedAt: s.startedAtMs === null ? null : new Date(s.startedAtMs),
    recoveredAt: s.recoveredAtMs === null ? null : new Date(s.recoveredAtMs),
    rtoSeconds: s.rtoSeconds,
  };
}

/** Whether a service recovery's stored fields differ from the domain's. */
export function recoveryChanged(a: ServiceRecovery, b: ServiceRecovery): boolean {
  return JSON.stringify(recoveryRowFields(a)) !== JSON.stringify(recoveryRowFields(b));
}

export function truncate(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** Default parallelism when the incident has none recorded yet. */
export const DEFAULT_PARALLELISM = DEFAULT_RECOVERY_SETTINGS.parallelism;
