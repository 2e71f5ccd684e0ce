import { AwaitingReason, ClusterState, IncidentState, isTerminal, PreconditionFailedError, quorumReport, QuorumReport } from '@haaas/domain';
import type { ClusterEntity, IncidentEntity, NodeEntity } from '@haaas/persistence';
import { isIncidentRecordJson } from '@haaas/recovery';
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

/**
 * Whether an operator's incident action fits the incident's state now; the reason when not, so
 * that a useless action is an error of the mutation rather than a FAILED operation.
 */
export function incidentActionRefusal(kind: OperationKind, incident: Pick<IncidentEntity, 'id' | 'state' | 'fencing'>): PreconditionFailedError | null {
  const state = incident.state as IncidentState;
  const json = isIncidentRecordJson(incident.fencing) ? incident.fencing : null;
  const awaiting = json?.awaiting ?? null;
  const refuse = (why: string) => new PreconditionFailedError(`incident ${incident.id} is ${state}${awaiting ? ` (${awaiting})` : ''}: ${why}`, { reason: 'INCIDENT_STATE', state, awaiting });
  if (isTerminal(state)) return refuse('it is closed');
  const fenceWait = state === IncidentState.AWAITING_OPERATOR && awaiting === AwaitingReason.FENCING;
  switch (kind) {
    case OperationKind.INCIDENT_CONFIRM_FENCED:
      return fenceWait || state === IncidentState.FENCING ? null : refuse('there is no fence to confirm (it waits for quorum, or recovery is under way)');
    case OperationKind.INCIDENT_RETRY:
      if (!fenceWait) return refuse('only an incident waiting for a failed fence is fenced again');
      return (json?.levels.length ?? 0) > 0 ? null : refuse('the node has no fencing device: add one, or confirm the node is off');
    default:
      return null;
  }
}
