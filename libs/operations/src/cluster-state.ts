import { ClusterState, type EventTypeOf, PreconditionFailedError, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import type { Store } from '@haaas/persistence';
import type { LiveSignalPublisher } from './live/live-signals';
import type { StepResult } from './operation-run';

export interface ClusterStateChange {
  readonly clusterId: string;
  /** States it may change from; the target state itself is a no-op (SKIPPED). */
  readonly from: readonly ClusterState[];
  readonly to: ClusterState;
  /** e.g. `cluster.started`. */
  readonly eventType: EventTypeOf<'Cluster'>;
  readonly message: string;
  readonly operationId: string;
  /** Extra facts for the log entry (quorum figures when starting). */
  readonly facts?: Readonly<Record<string, unknown>>;
}

/**
 * Changes a cluster's HA state with its log entry in one transaction (the row locked, so two
 * operations cannot interleave), then wakes the live feeds. The failure detector watches only
 * STARTED clusters, so this is what activates, pauses and ends monitoring and recovery.
 */
export async function changeClusterState(store: Store, signals: LiveSignalPublisher, scope: TenantScope, change: ClusterStateChange): Promise<StepResult> {
  const result = await store.transaction(async (repos) => {
    const cluster = await repos.clusters.lock(scope, change.clusterId);
    if (cluster.state === change.to) return { skipped: true, message: `already ${change.to}` };
    if (!change.from.includes(cluster.state)) {
      throw new PreconditionFailedError(`cluster "${cluster.name}" is ${cluster.state}: cannot go to ${change.to}`, { reason: 'CLUSTER_STATE', state: cluster.state });
    }
    const before = cluster.state;
    cluster.state = change.to;
    await repos.clusters.save(scope, cluster);
    await appendEvent(repos, scope, {
      clusterId: cluster.id,
      type: change.eventType,
      objectType: 'Cluster',
      objectId: cluster.id,
      before: { state: before },
      after: { state: change.to, operationId: change.operationId, ...change.facts },
      message: change.message,
    });
    return { message: `${before} → ${change.to}` };
  });
  if (!result.skipped) await signals.clusterEvents(scope, change.clusterId);
  return result;
}
