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
}

export const DEFAULT_CLUSTER_POLICY: ClusterPolicy = {
  heartbeatIntervalSeconds: 1,
  deadtimeSeconds: 10,
  fencingRequired: true,
  minHealthyNodes: 2,
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
