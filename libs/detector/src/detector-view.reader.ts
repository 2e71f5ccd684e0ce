import type Redis from 'ioredis';
import { NodeStatus } from '@haaas/domain';
import type { ClusterHealth, TenantScope } from '@haaas/domain';
import { DEFAULT_KEY_PREFIX, detectorStateKey, QUORUM_FIELD } from './detector.keys';
import { decodeNodeRecord, NodeRecord } from './node-record.codec';

/** The cluster's quorum as the detector evaluated it last (what it logs `cluster.quorum_lost` from). */
export interface DetectorQuorum {
  readonly quorate: boolean;
  readonly totalNodes: number;
  /** ONLINE, not in maintenance, not suspect (heartbeats within the deadtime or decided). */
  readonly healthyNodes: number;
  readonly quorum: number;
  /** When it was evaluated (the detector's clock, ms). */
  readonly atMs: number;
}

/** What the detector's last evaluation says of a cluster: its nodes' records and its quorum. */
export interface DetectorView {
  readonly nodes: ReadonlyMap<string, NodeRecord>;
  /** Null when the detector has not evaluated the cluster (HA not started) or its record predates the counts. */
  readonly quorum: DetectorQuorum | null;
}

/**
 * Reads the detector's state hash (one HGETALL): the one source of "which nodes are healthy now"
 * for whoever shows or plans with it (cluster status, the dry run), instead of each deriving its
 * own answer from the node rows, which say ONLINE while a silent node is still undecided.
 */
export class DetectorViewReader {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string = DEFAULT_KEY_PREFIX,
  ) {}

  async read(scope: TenantScope, clusterId: string): Promise<DetectorView> {
    const raw = await this.redis.hgetall(detectorStateKey(this.keyPrefix, scope.tenantId, clusterId));
    const nodes = new Map<string, NodeRecord>();
    for (const [field, value] of Object.entries(raw)) {
      if (field.startsWith('~')) continue;
      const record = decodeNodeRecord(value);
      if (record) nodes.set(field, record);
    }
    return { nodes, quorum: parseDetectorQuorum(raw[QUORUM_FIELD]) };
  }
}

export function parseDetectorQuorum(raw: string | undefined): DetectorQuorum | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const n = (k: string): number | null => (typeof v[k] === 'number' && Number.isFinite(v[k]) ? (v[k] as number) : null);
    const [totalNodes, healthyNodes, quorum, atMs] = [n('totalNodes'), n('healthyNodes'), n('quorum'), n('atMs')];
    if (typeof v['quorate'] !== 'boolean' || totalNodes === null || healthyNodes === null || quorum === null || atMs === null) return null;
    return { quorate: v['quorate'], totalNodes, healthyNodes, quorum, atMs };
  } catch {
    return null;
  }
}

/** A cluster's quorum and healthy counts as shown to users, and where they come from. */
export interface ClusterHealthStatus {
  readonly source: 'DETECTOR' | 'NODE_RECORDS';
  readonly totalNodes: number;
  readonly healthyNodes: number;
  readonly quorum: number;
  readonly quorate: boolean;
  readonly suspectNodes: number;
  readonly evaluatedAt: Date | null;
}

/** The detector evaluates a STARTED cluster every tick: an evaluation older than this means none runs now. */
export const DETECTOR_VIEW_MAX_AGE_MS = 30_000;

/**
 * One source for "is the cluster quorate, how many nodes are healthy": the detector's last
 * evaluation when HA is started and it is recent (at most max(30 s, 3 deadtimes) old), so the
 * status never says quorate while the detector has logged `cluster.quorum_lost`; else (HA not
 * started, no detector running) the nodes' recorded statuses, and `source` says which.
 */
export function clusterHealthStatus(view: DetectorView | null, records: ClusterHealth, o: { readonly deadtimeSeconds: number; readonly nowMs: number }): ClusterHealthStatus {
  const q = view?.quorum ?? null;
  if (view && q && o.nowMs - q.atMs <= Math.max(DETECTOR_VIEW_MAX_AGE_MS, 3 * o.deadtimeSeconds * 1000)) {
    const suspectNodes = [...view.nodes.values()].filter((r) => r.health.suspect && r.health.status === NodeStatus.ONLINE).length;
    return { source: 'DETECTOR', totalNodes: q.totalNodes, healthyNodes: q.healthyNodes, quorum: q.quorum, quorate: q.quorate, suspectNodes, evaluatedAt: new Date(q.atMs) };
  }
  return { source: 'NODE_RECORDS', totalNodes: records.totalNodes, healthyNodes: records.healthyNodes, quorum: records.quorum, quorate: records.quorate, suspectNodes: 0, evaluatedAt: null };
}
