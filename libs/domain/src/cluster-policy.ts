import { Problems } from './errors';
import { checkIntRange } from './validation';
import { NodeStatus } from './enums';

/** HA defaults of a cluster; services and nodes inherit them. Times in seconds. */
export interface ClusterPolicy {
  readonly heartbeatIntervalSeconds: number;
  /** Silence after which a node is suspect (Pacemaker's "deadtime"). */
  readonly deadtimeSeconds: number;
  /** Never recover a node's services before it is fenced. Turning this off is an explicit risk. */
  readonly fencingRequired: boolean;
  /** Healthy nodes needed, beyond quorum, to start HA. */
  readonly minHealthyNodes: number;
  /** How long a returning preferred node must be ONLINE before services fail back to it. */
  readonly failbackStabilisationSeconds: number;
  /** First wait before a failed fence is tried again by itself (the waits double, up to 10 min). */
  readonly fenceRetrySeconds: number;
}

export const DEFAULT_CLUSTER_POLICY: ClusterPolicy = {
  heartbeatIntervalSeconds: 1,
  deadtimeSeconds: 10,
  fencingRequired: true,
  minHealthyNodes: 2,
  failbackStabilisationSeconds: 300,
  fenceRetrySeconds: 30,
};

export function resolveClusterPolicy(
  input: Partial<ClusterPolicy> | undefined,
  base: ClusterPolicy = DEFAULT_CLUSTER_POLICY,
  field = 'policy',
): ClusterPolicy {
  const merged: ClusterPolicy = { ...base, ...stripUndefined(input ?? {}) };
  const p = new Problems();
  checkIntRange(p, `${field}.heartbeatIntervalSeconds`, merged.heartbeatIntervalSeconds, 1, 300);
  checkIntRange(p, `${field}.deadtimeSeconds`, merged.deadtimeSeconds, 2, 3600);
  checkIntRange(p, `${field}.minHealthyNodes`, merged.minHealthyNodes, 1, 1000);
  checkIntRange(p, `${field}.failbackStabilisationSeconds`, merged.failbackStabilisationSeconds, 0, 86_400);
  checkIntRange(p, `${field}.fenceRetrySeconds`, merged.fenceRetrySeconds, 1, 3600);
  p.check(typeof merged.fencingRequired === 'boolean', `${field}.fencingRequired`, 'must be true or false');
  p.check(
    merged.deadtimeSeconds >= 2 * merged.heartbeatIntervalSeconds,
    `${field}.deadtimeSeconds`,
    'must be at least twice the heartbeat interval, or one lost heartbeat declares a node dead',
  );
  p.throwIfAny();
  return merged;
}

/** Quorum of seed 001: more than half of the cluster's nodes, N/2 + 1. */
export function quorumOf(totalNodes: number): number {
  return Math.floor(totalNodes / 2) + 1;
}

/** Statuses in which a node counts towards quorum and can run services. */
export const HEALTHY_STATUSES: ReadonlySet<NodeStatus> = new Set([NodeStatus.ONLINE]);

export interface ClusterHealth {
  readonly totalNodes: number;
  readonly healthyNodes: number;
  readonly quorum: number;
  readonly quorate: boolean;
  readonly counts: ReadonlyMap<NodeStatus, number>;
}

export function clusterHealth(statuses: readonly NodeStatus[]): ClusterHealth {
  const counts = new Map<NodeStatus, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  const healthyNodes = statuses.filter((s) => HEALTHY_STATUSES.has(s)).length;
  const quorum = quorumOf(statuses.length);
  return { totalNodes: statuses.length, healthyNodes, quorum, quorate: statuses.length > 0 && healthyNodes >= quorum, counts };
}

/** Drops absent fields so they fall back to defaults; an explicit null stays (it clears, or is refused). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
