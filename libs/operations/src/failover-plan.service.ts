import { Inject, Injectable } from '@nestjs/common';
import { ClusterState, DEFAULT_DETECTION_SETTINGS, NodeStatus, planRecovery, RecoveryPlan, TenantScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import type { DetectorViewReader } from '@haaas/detector';
import { loadClusterView } from '@haaas/engine-runtime';
import type { NodeLiveness } from '@haaas/engine-runtime';
import { heardWithin } from '@haaas/engine-runtime';
import { PLAN_SOURCES } from './operations.tokens';

/** How long the plan expects the failure to take to be declared, and why. */
export interface PlannedDetection {
  readonly heartbeatIntervalSeconds: number;
  readonly deadtimeSeconds: number;
  readonly bootGraceSeconds: number;
  /** The node is in a grace period (after a reboot, a fence or maintenance) until then: no failure is declared before. */
  readonly graceUntil: Date | null;
  /** From the node's last heartbeat to the declaration, at the earliest: max(deadtime, what is left of the grace period), plus one probe. */
  readonly expectedSeconds: number;
  readonly summary: string;
}

/** A node as the plan counted it: its capacity, what it carries, and whether it can take services. */
export interface PlannedNodeCapacity {
  readonly nodeId: string;
  readonly status: NodeStatus;
  /** ONLINE, not in maintenance, heard from within the deadtime, and not the failed node. */
  readonly candidate: boolean;
  /** Why not, when it is no candidate. */
  readonly reason: string | null;
  readonly lastHeardAt: Date | null;
  readonly capacityCpus: number;
  readonly capacityMemoryMb: number;
  readonly usedCpus: number;
  readonly usedMemoryMb: number;
}

/** The dry run's answer: the domain's plan plus what the cluster's HA state means for it. */
export interface FailoverPlanView extends RecoveryPlan {
  readonly clusterId: string;
  readonly clusterState: ClusterState;
  /** False when the cluster is STOPPED or SUSPENDED: a failure now would be noticed by nobody. */
  readonly haActive: boolean;
  readonly plannedAt: Date;
  readonly detection: PlannedDetection;
  /** Every node of the cluster, before the plan's placements. */
  readonly capacity: readonly PlannedNodeCapacity[];
}

/** Where the dry run reads liveness and the detector's state (the recovery worker's own sources). */
export interface PlanSources {
  readonly liveness: NodeLiveness | null;
  readonly detector: DetectorViewReader | null;
}

/**
 * "What would happen if node X failed now": the same `planRecovery` on the same view of the
 * cluster (ClusterView, with the same liveness: a node not heard from within the deadtime is no
 * target) as the recovery worker, without acting and without writing anything.
 */
@Injectable()
export class FailoverPlanService {
  constructor(
    private readonly store: Store,
    @Inject(PLAN_SOURCES) private readonly sources: PlanSources,
  ) {}

  // eslint-disable-next-line max-lines-per-function -- reads the plan's inputs in one transaction and maps them to the view; a few lines over
  async plan(scope: TenantScope, nodeId: string): Promise<FailoverPlanView> {
    const node = await this.store.repos.nodes.get(scope, nodeId);
    const [view, associations, detector] = await Promise.all([
      loadClusterView(this.store.repos, scope, node.clusterId, this.sources.liveness),
      this.store.repos.fencingAssociations.find(scope, { nodeId }),
      this.sources.detector ? this.sources.detector.read(scope, node.clusterId) : Promise.resolve(null),
    ]);
    const nodes = view.placementNodes();
    const plan = planRecovery({
      failedNodeId: nodeId,
      nodes,
      services: view.servicesOn(nodeId).map((s) => view.recoveryService(s)),
      fencing: associations.map((a) => ({ deviceId: a.deviceId, level: a.level })),
      policy: { fencingRequired: view.cluster.fencingRequired },
    });
    const nowMs = view.heard?.nowMs ?? Date.now();
    const deadtimeSeconds = view.cluster.deadtimeSeconds;
    const graceUntilMs = detector?.nodes.get(nodeId)?.health.graceUntilMs ?? null;
    const graceLeft = graceUntilMs !== null && graceUntilMs > nowMs ? (graceUntilMs - nowMs) / 1000 : 0;
    const expectedSeconds = Math.ceil(Math.max(deadtimeSeconds, graceLeft));
    const capacity = nodes.map((n): PlannedNodeCapacity => {
      const heardAt = view.heard?.lastSeenMs.get(n.id);
      const reason =
        n.id === nodeId
          ? 'the node assumed failed'
          : n.maintenance
            ? 'in maintenance'
            : n.status !== NodeStatus.ONLINE
              ? `${n.status}`
              : view.heard && !heardWithin(view.heard, n.id, deadtimeSeconds * 1000)
                ? `not heard from within the deadtime (${deadtimeSeconds} s)`
                : null;
      return {
        nodeId: n.id,
        status: n.status,
        candidate: reason === null,
        reason,
        lastHeardAt: heardAt === undefined ? null : new Date(heardAt),
        capacityCpus: n.capacityCpus,
        capacityMemoryMb: n.capacityMemoryMb,
        usedCpus: n.usedCpus,
        usedMemoryMb: n.usedMemoryMb,
      };
    });
    return {
      ...plan,
      clusterId: view.cluster.id,
      clusterState: view.cluster.state,
      haActive: view.cluster.state === ClusterState.STARTED,
      plannedAt: new Date(nowMs),
      detection: {
        heartbeatIntervalSeconds: view.cluster.heartbeatIntervalSeconds,
        deadtimeSeconds,
        bootGraceSeconds: DEFAULT_DETECTION_SETTINGS.bootGraceSeconds,
        graceUntil: graceLeft > 0 && graceUntilMs !== null ? new Date(graceUntilMs) : null,
        expectedSeconds,
        summary:
          graceLeft > 0
            ? `in a grace period for ${Math.ceil(graceLeft)} s more: a failure would be declared no earlier than ${expectedSeconds} s after its last heartbeat (the deadtime is ${deadtimeSeconds} s), once the hypervisor manager confirms it`
            : `a failure would be declared ${deadtimeSeconds} s (the deadtime) after its last heartbeat, once the hypervisor manager confirms it`,
      },
      capacity,
    };
  }
}
