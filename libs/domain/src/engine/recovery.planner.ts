import { ClusterPolicy } from '../cluster-policy';
import { RecoveryAction } from '../enums';
import { ServicePolicy } from '../service-policy';
import { DEFAULT_RECOVERY_SETTINGS, RecoverySettings } from './engine.settings';
import { planPlacements, sortForPlacement } from './placement.planner';
import { FailoverDomainSpec, NodeRejection, PlacementNode, PlacementService } from './placement.types';
import { quorumReport, QuorumReport } from './quorum.policy';

/** A fencing device associated with the node at a level of its topology (one row per device). */
export interface FencingAssociation {
  readonly deviceId: string;
  readonly level: number;
}

/** One level of a node's fencing topology: every device must succeed for the level to succeed. */
export interface FencingLevel {
  readonly level: number;
  readonly deviceIds: readonly string[];
}

/** Levels in ascending order (1 is tried first), devices in the given order, a device listed once per level. */
export function fencingTopology(associations: readonly FencingAssociation[]): FencingLevel[] {
  const byLevel = new Map<number, string[]>();
  for (const a of associations) {
    const devices = byLevel.get(a.level) ?? [];
    if (!devices.includes(a.deviceId)) devices.push(a.deviceId);
    byLevel.set(a.level, devices);
  }
  return [...byLevel.entries()].sort(([a], [b]) => a - b).map(([level, deviceIds]) => ({ level, deviceIds }));
}

export enum FenceFailurePolicy {
  /** fencingRequired: services stay where they are and the incident waits for an operator. */
  AWAIT_OPERATOR = 'AWAIT_OPERATOR',
  /** fencingRequired=false: recovery goes ahead unfenced (an explicit risk of the cluster's policy). */
  PROCEED_UNFENCED = 'PROCEED_UNFENCED',
}

export interface FencingPlan {
  readonly nodeId: string;
  readonly required: boolean;
  /** Tried in order; the first level whose devices all succeed fences the node. */
  readonly levels: readonly FencingLevel[];
  /** What happens when every level fails (or there is none). */
  readonly onFailure: FenceFailurePolicy;
  readonly summary: string;
}

/** A service that ran on the failed node, with the policy fields recovery needs. */
export interface RecoveryService extends PlacementService {
  readonly recoveryAction: RecoveryAction;
  readonly maxRelocations: number;
  readonly recoveryTimeObjectiveSeconds: number | null;
}

/** Builds a `RecoveryService` from a stored policy (the policy names its domain by id; pass the domain itself). */
export function recoveryServiceOf(input: {
  readonly id: string;
  readonly policy: ServicePolicy;
  readonly domain: FailoverDomainSpec | null;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly triedNodeIds?: readonly string[];
}): RecoveryService {
  const p = input.policy;
  return {
    id: input.id,
    priority: p.priority,
    domain: input.domain,
    antiAffinityGroup: p.antiAffinityGroup,
    cpus: input.cpus,
    memoryMb: input.memoryMb,
    recoveryAction: p.recoveryAction,
    maxRelocations: p.maxRelocations,
    recoveryTimeObjectiveSeconds: p.recoveryTimeObjectiveSeconds,
    ...(input.triedNodeIds ? { triedNodeIds: input.triedNodeIds } : {}),
  };
}

export enum PlannedOutcome {
  /** Will be started on `targetNodeId`, in wave `wave`. */
  START = 'START',
  /** Not restarted (recovery action DISABLE). */
  SKIP = 'SKIP',
  /** No node can take it: it would end FAILED, for `reason`. */
  WILL_FAIL = 'WILL_FAIL',
}

export interface PlannedServiceRecovery {
  readonly serviceId: string;
  readonly priority: number;
  /** As configured. */
  readonly recoveryAction: RecoveryAction;
  readonly maxRelocations: number;
  readonly recoveryTimeObjectiveSeconds: number | null;
  readonly outcome: PlannedOutcome;
  readonly targetNodeId: string | null;
  /** 1-based wave, for START only. */
  readonly wave: number | null;
  readonly reason: string | null;
  /** E.g. that RESTART relocates because the node failed. */
  readonly note: string | null;
  /** For WILL_FAIL: why each node was rejected. */
  readonly rejected: readonly NodeRejection[];
}

/** Services of one priority started together: at most `parallelism` per wave. */
export interface RecoveryWave {
  readonly index: number;
  readonly priority: number;
  readonly serviceIds: readonly string[];
}

export enum RecoveryBlockerCode {
  NOT_QUORATE = 'NOT_QUORATE',
  NO_FENCING_DEVICE = 'NO_FENCING_DEVICE',
}

export interface RecoveryBlocker {
  readonly code: RecoveryBlockerCode;
  readonly message: string;
}

export interface RecoveryPlan {
  readonly failedNodeId: string;
  readonly quorum: QuorumReport;
  readonly fencing: FencingPlan;
  /** Non-empty: nothing would be started now; the incident waits for an operator. */
  readonly blockers: readonly RecoveryBlocker[];
  /** Every service of the failed node, in recovery order (priority descending, then id). */
  readonly services: readonly PlannedServiceRecovery[];
  readonly waves: readonly RecoveryWave[];
  readonly parallelism: number;
  readonly counts: { readonly start: number; readonly skip: number; readonly willFail: number };
}

export interface RecoveryPlanInput {
  readonly failedNodeId: string;
  /** The whole cluster, the failed node included (it may still read ONLINE in a dry run). */
  readonly nodes: readonly PlacementNode[];
  /** The services that ran on the failed node. */
  readonly services: readonly RecoveryService[];
  /** The failed node's fencing devices and their levels. */
  readonly fencing: readonly FencingAssociation[];
  readonly policy: Pick<ClusterPolicy, 'fencingRequired'>;
  readonly settings?: Partial<RecoverySettings>;
}

/**
 * The recovery of a failed node, as the worker will run it and the dry run ("what if node X fails
 * now") shows it: fencing levels first, then the node's services by priority in waves, each with
 * its target. Targets are computed with the nodes' current load, each placement seeing the earlier
 * ones; the worker plans again when fencing completes, since loads move meanwhile.
 */
export function planRecovery(input: RecoveryPlanInput): RecoveryPlan {
  const settings: RecoverySettings = { ...DEFAULT_RECOVERY_SETTINGS, ...input.settings };
  const parallelism = Math.max(1, Math.floor(settings.parallelism));
  const failed = input.failedNodeId;
  const quorum = quorumReport(input.nodes, [failed]);
  const fencing = fencingPlan(failed, input.fencing, input.policy.fencingRequired);

  const blockers: RecoveryBlocker[] = [];
  if (!quorum.quorate) {
    blockers.push({
      code: RecoveryBlockerCode.NOT_QUORATE,
      message: `without ${failed} the cluster is not quorate (${quorum.healthyNodes} of ${quorum.totalNodes} nodes healthy, ${quorum.quorum} needed): nothing is recovered until an operator acts`,
    });
  }
  if (fencing.required && fencing.levels.length === 0) {
    blockers.push({
      code: RecoveryBlockerCode.NO_FENCING_DEVICE,
      message: `${failed} has no fencing device and the cluster requires fencing: the incident waits for an operator to confirm the node is off`,
    });
  }

  const ordered = sortForPlacement(input.services);
  const toPlace = ordered.filter((s) => s.recoveryAction !== RecoveryAction.DISABLE);
  const plan = planPlacements(toPlace, input.nodes, { excludeNodeIds: [failed], reservedHosts: settings.reservedHosts });
  const decisions = new Map(plan.decisions.map((d) => [d.serviceId, d]));

  const waves: { index: number; priority: number; serviceIds: string[] }[] = [];
  const services: PlannedServiceRecovery[] = ordered.map((s) => {
    const base = {
      serviceId: s.id,
      priority: s.priority,
      recoveryAction: s.recoveryAction,
      maxRelocations: s.maxRelocations,
      recoveryTimeObjectiveSeconds: s.recoveryTimeObjectiveSeconds,
    };
    if (s.recoveryAction === RecoveryAction.DISABLE) {
      return { ...base, outcome: PlannedOutcome.SKIP, targetNodeId: null, wave: null, reason: 'recovery action DISABLE: not restarted', note: null, rejected: [] };
    }
    const note = s.recoveryAction === RecoveryAction.RESTART ? 'RESTART relocates: the node it would restart on has failed' : null;
    const d = decisions.get(s.id);
    if (!d || d.nodeId === null) {
      return { ...base, outcome: PlannedOutcome.WILL_FAIL, targetNodeId: null, wave: null, reason: d?.reason ?? 'not placed', note, rejected: d?.rejected ?? [] };
    }
    let wave = waves[waves.length - 1];
    if (!wave || wave.priority !== s.priority || wave.serviceIds.length >= parallelism) {
      wave = { index: waves.length + 1, priority: s.priority, serviceIds: [] };
      waves.push(wave);
    }
    wave.serviceIds.push(s.id);
    return { ...base, outcome: PlannedOutcome.START, targetNodeId: d.nodeId, wave: wave.index, reason: null, note, rejected: [] };
  });

  const count = (o: PlannedOutcome) => services.filter((s) => s.outcome === o).length;
  return {
    failedNodeId: failed,
    quorum,
    fencing,
    blockers,
    services,
    waves,
    parallelism,
    counts: { start: count(PlannedOutcome.START), skip: count(PlannedOutcome.SKIP), willFail: count(PlannedOutcome.WILL_FAIL) },
  };
}

function fencingPlan(nodeId: string, associations: readonly FencingAssociation[], required: boolean): FencingPlan {
  const levels = fencingTopology(associations);
  const onFailure = required ? FenceFailurePolicy.AWAIT_OPERATOR : FenceFailurePolicy.PROCEED_UNFENCED;
  let summary: string;
  if (levels.length === 0) {
    summary = required
      ? 'no fencing device: the incident will wait for an operator to confirm the node is off'
      : 'no fencing device; the cluster policy allows recovery without fencing: recovery proceeds unfenced';
  } else {
    const steps = levels.map((l) => `level ${l.level}: ${l.deviceIds.join(' + ')}`).join(', then ');
    summary = required
      ? `fence first (${steps}); if every level fails, the incident waits for an operator`
      : `fence first (${steps}); if every level fails, recovery proceeds unfenced (fencingRequired=false)`;
  }
  return { nodeId, required, levels, onFailure, summary };
}
