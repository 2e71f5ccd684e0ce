import { quorumOf } from '../cluster-policy';
import { NodeStatus } from '../enums';

/** What quorum needs of a node. */
export interface QuorumNode {
  readonly id: string;
  readonly status: NodeStatus;
  readonly maintenance?: boolean;
  readonly suspect?: boolean;
}

export interface QuorumReport {
  readonly totalNodes: number;
  /** ONLINE, not in maintenance, not suspect. */
  readonly healthyNodes: number;
  /** N/2 + 1 (seed 001). */
  readonly quorum: number;
  readonly quorate: boolean;
}

/**
 * Quorum of the cluster with `failedNodeIds` counted as failed (the dry run asks about a node that
 * is still ONLINE). A failed id missing from `nodes` is added to the total. Suspect nodes do not
 * count: when the control plane loses its network to most of a cluster, every node turns suspect
 * at once, and the cluster must read as non-quorate rather than have half of it declared failed.
 * The engine declares no failure and recovers nothing without quorum; an operator resolves it
 * (bring nodes back, or remove dead nodes from the cluster, which lowers N).
 */
export function quorumReport(nodes: readonly QuorumNode[], failedNodeIds: readonly string[] = []): QuorumReport {
  const failed = new Set(failedNodeIds);
  const known = new Set(nodes.map((n) => n.id));
  let healthyNodes = 0;
  for (const n of nodes) {
    if (!failed.has(n.id) && n.status === NodeStatus.ONLINE && n.maintenance !== true && n.suspect !== true) healthyNodes += 1;
  }
  const totalNodes = known.size + [...failed].filter((id) => !known.has(id)).length;
  const quorum = quorumOf(totalNodes);
  return { totalNodes, healthyNodes, quorum, quorate: totalNodes > 0 && healthyNodes >= quorum };
}
