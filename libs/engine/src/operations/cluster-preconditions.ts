import { ClusterState, PreconditionFailedError, quorumReport, QuorumReport } from '@haaas/domain';
import type { ClusterEntity, NodeEntity } from '@haaas/persistence';
import { OperationKind } from './operation.types';

export interface StartCheck extends QuorumReport {
  readonly minHealthyNodes: number;
  readonly ok: boolean;
}

/**
 * Starting HA needs quorum, N/2 + 1 of the cluster's nodes healthy (ONLINE, not in maintenance),
 * and the cluster policy's minimum of healthy nodes (seed 001, DESIGN). Suspect nodes are not
 * known here (the detector keeps that in Redis): a node counts by its stored status.
 */
export function clusterStartCheck(cluster: Pick<ClusterEntity, 'minHealthyNodes'>, nodes: readonly Pick<NodeEntity, 'id' | 'status' | 'maintenance'>[]): StartCheck {
  const q = quorumReport(nodes);
  return { ...q, minHealthyNodes: cluster.minHealthyNodes, ok: q.quorate && q.healthyNodes >= cluster.minHealthyNodes };
}

export function startRefusal(cluster: Pick<ClusterEntity, 'name' | 'minHealthyNodes'>, check: StartCheck): PreconditionFailedError {
  const needs: string[] = [];
  if (!check.quorate) needs.push(`quorum needs ${check.quorum} (N/2 + 1 of ${check.totalNodes})`);
  if (check.healthyNodes < check.minHealthyNodes) needs.push(`the cluster policy needs at least ${check.minHealthyNodes} (minHealthyNodes)`);
  return new PreconditionFailedError(
    `cannot start HA on cluster "${cluster.name}": ${check.healthyNodes} of ${check.totalNodes} node(s) healthy (ONLINE, not in maintenance); ${needs.join(' and ')}`,
    { reason: 'NO_QUORUM', totalNodes: check.totalNodes, healthyNodes: check.healthyNodes, quorum: check.quorum, minHealthyNodes: check.minHealthyNodes },
  );
}

/**
 * Whether a cluster action may be asked for in the cluster's HA state; the reason when not. The
 * same state asked again (start a started cluster) is allowed and does nothing, so retries and
 * declarative clients (Terraform) converge.
 */
export function clusterTransitionRefusal(kind: OperationKind, cluster: Pick<ClusterEntity, 'name' | 'state'>): PreconditionFailedError | null {
  const refuse = (why: string) => new PreconditionFailedError(`cluster "${cluster.name}" is ${cluster.state}: ${why}`, { reason: 'CLUSTER_STATE', state: cluster.state });
  switch (kind) {
    case OperationKind.CLUSTER_START:
      return cluster.state === ClusterState.SUSPENDED ? refuse('resume it (resumeCluster) instead of starting it') : null;
    case OperationKind.CLUSTER_SUSPEND:
      return cluster.state === ClusterState.STOPPED ? refuse('HA is not started, there is no monitoring to suspend') : null;
    case OperationKind.CLUSTER_RESUME:
      return cluster.state === ClusterState.STOPPED ? refuse('HA is not started; start it (startCluster)') : null;
    default:
      return null;
  }
}
