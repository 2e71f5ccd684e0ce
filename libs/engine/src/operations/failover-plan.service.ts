import { Injectable } from '@nestjs/common';
import { ClusterState, planRecovery, RecoveryPlan, TenantScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import { loadClusterView } from '../recovery/cluster-view';

/** The dry run's answer: the domain's plan plus what the cluster's HA state means for it. */
export interface FailoverPlanView extends RecoveryPlan {
  readonly clusterId: string;
  readonly clusterState: ClusterState;
  /** False when the cluster is STOPPED or SUSPENDED: a failure now would be noticed by nobody. */
  readonly haActive: boolean;
  readonly plannedAt: Date;
}

/**
 * "What would happen if node X failed now": the same `planRecovery` on the same view of the
 * cluster (ClusterView) as the recovery worker, on the cluster as it is stored now, without acting
 * and without writing anything.
 */
@Injectable()
export class FailoverPlanService {
  constructor(private readonly store: Store) {}

  async plan(scope: TenantScope, nodeId: string): Promise<FailoverPlanView> {
    const node = await this.store.repos.nodes.get(scope, nodeId);
    const [view, associations] = await Promise.all([loadClusterView(this.store.repos, scope, node.clusterId), this.store.repos.fencingAssociations.find(scope, { nodeId })]);
    const plan = planRecovery({
      failedNodeId: nodeId,
      nodes: view.placementNodes(),
      services: view.servicesOn(nodeId).map((s) => view.recoveryService(s)),
      fencing: associations.map((a) => ({ deviceId: a.deviceId, level: a.level })),
      policy: { fencingRequired: view.cluster.fencingRequired },
    });
    return {
      ...plan,
      clusterId: view.cluster.id,
      clusterState: view.cluster.state,
      haActive: view.cluster.state === ClusterState.STARTED,
      plannedAt: new Date(),
    };
  }
}
