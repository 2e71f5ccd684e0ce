import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ConflictError, FailbackNode, NodeStatus, PreconditionFailedError, ServiceState, shouldFailBack, SystemActor, SystemScope, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import { anyOf, NodeEntity, Store } from '@haaas/persistence';
import { OPEN_INCIDENT_STATES } from '@haaas/detector';
import { ClusterView, loadClusterView } from '@haaas/engine-runtime';
import { storedIdempotencyKey } from './idempotency-key';
import { forEachStartedCluster, PeriodicPass } from './cluster-pass';
import { OperationKind } from './operation.types';
import { OperationsService, Submitted } from './operations.service';

export const FAILBACK_ACTOR = SystemActor.Failback;

export interface FailbackSchedulerOptions {
  /** How often every STARTED cluster is looked at (default 5 s). */
  readonly intervalMs?: number;
  /** How long a returning preferred node must be ONLINE before services move back: overrides every cluster's failbackStabilisationSeconds (tests); default: the cluster's. */
  readonly stabilisationSeconds?: number;
}

/** What one pass did (for tests and logs). */
export interface FailbackPassResult {
  readonly clusters: number;
  readonly scheduled: number;
}

export function failbackScope(tenantId: string): SystemScope {
  return TenantScope.system(tenantId, FAILBACK_ACTOR);
}

/**
 * The operation's idempotency key: one failback per (service, target, the target's current ONLINE
 * period). Any number of workers may run the scheduler: they ask for the same operation, and a
 * failback that failed is not retried until the target goes away and comes back. Hashed because
 * the ids and the time do not fit the 80 characters of a key.
 */
export function failbackKey(serviceId: string, targetNodeId: string, onlineSinceMs: number): string {
  return `failback.${createHash('sha256').update(`${serviceId}/${targetNodeId}/${onlineSinceMs}`).digest('hex').slice(0, 40)}`;
}

/** When a node became ONLINE, if it is ONLINE now (statusChangedAt is written with every status change). */
function onlineSinceMs(node: Pick<NodeEntity, 'status' | 'statusChangedAt'>): number | null {
  return node.status === NodeStatus.ONLINE && node.statusChangedAt ? node.statusChangedAt.getTime() : null;
}

/**
 * Failback (rgmanager): when a more preferred member of a service's ordered failover domain has
 * been ONLINE for the stabilisation time, the service is moved back to it by a SERVICE_RELOCATE
 * operation requested by `system:failback`, unless the domain says nofailback. An open incident
 * holds only its own node: no service moves from or to a node with an open incident, the others
 * fail back as usual; nor does a service move while another operation on it is active (the
 * operations service refuses it; that refusal is expected and quiet). The move itself is an
 * ordinary operation: the service claim serialises it with recoveries.
 */
export class FailbackScheduler {
  private readonly logger = new Logger('Failback');
  private readonly periodic: PeriodicPass;

  constructor(
    private readonly store: Store,
    private readonly operations: OperationsService,
    private readonly options: FailbackSchedulerOptions = {},
  ) {
    this.periodic = new PeriodicPass(options.intervalMs ?? 5000, () => this.runOnce(), (err) => this.logger.error(`failback pass failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  start(): void {
    this.periodic.start();
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
  }

  /** One pass over every STARTED cluster of every tenant (public for tests). */
  async runOnce(nowMs = Date.now()): Promise<FailbackPassResult> {
    let clusters = 0;
    let scheduled = 0;
    await forEachStartedCluster(
      this.store,
      FAILBACK_ACTOR,
      async (scope, clusterId) => {
        clusters++;
        scheduled += await this.runCluster(scope, clusterId, nowMs);
      },
      (key, err) => this.logger.error(`cluster ${key}: ${err instanceof Error ? err.message : String(err)}`),
    );
    return { clusters, scheduled };
  }

  /** Schedules the failbacks due in one cluster; returns how many operations it requested. */
  async runCluster(scope: TenantScope, clusterId: string, nowMs = Date.now()): Promise<number> {
    // an open incident holds its node (its services are its own): nothing moves from or to it
    const held = new Set((await this.store.repos.incidents.select(scope, { clusterId, state: anyOf(OPEN_INCIDENT_STATES) }, ['nodeId'])).map((i) => i.nodeId));
    const view = await loadClusterView(this.store.repos, scope, clusterId);
    const candidates = view.services.filter((s) => {
      if (s.state !== ServiceState.STARTED || !s.currentNodeId || !s.failoverDomainId || held.has(s.currentNodeId)) return false;
      const domain = view.domains.get(s.failoverDomainId);
      return domain !== undefined && domain.ordered && !domain.nofailback;
    });
    if (candidates.length === 0) return 0;
    const nodes: FailbackNode[] = view.placementNodes().filter((n) => !held.has(n.id)).map((n) => {
      const entity = view.nodesById.get(n.id);
      return { ...n, onlineSinceMs: entity ? onlineSinceMs(entity) : null };
    });
    let scheduled = 0;
    // most important first, as recovery does
    for (const service of [...candidates].sort((a, b) => b.priority - a.priority)) {
      const decision = shouldFailBack({
        service: view.recoveryService(service),
        currentNodeId: service.currentNodeId ?? '',
        nodes,
        nowMs,
        settings: { stabilisationSeconds: this.options.stabilisationSeconds ?? view.cluster.failbackStabilisationSeconds },
      });
      if (!decision.failBack) continue;
      const since = nodes.find((n) => n.id === decision.targetNodeId)?.onlineSinceMs ?? null;
      if (since === null) continue;
      if (await this.schedule(scope, view, service.id, service.currentNodeId ?? '', decision.targetNodeId, since, decision.reason)) scheduled++;
    }
    return scheduled;
  }

  private async schedule(scope: TenantScope, view: ClusterView, serviceId: string, fromNodeId: string, targetNodeId: string, since: number, reason: string): Promise<boolean> {
    const key = failbackKey(serviceId, targetNodeId, since);
    // already asked for in this ONLINE period of the target (done, running or failed): nothing more
    if (await this.store.repos.operations.findOne(scope, { idempotencyKey: storedIdempotencyKey(scope, key) })) return false;
    const name = view.servicesById.get(serviceId)?.name ?? serviceId;
    const host = (id: string): string => view.nodesById.get(id)?.hostname ?? id;
    let submitted: Submitted;
    try {
      submitted = await this.operations.submit(
        scope,
        { kind: OperationKind.SERVICE_RELOCATE, targetId: serviceId, params: { targetNodeId }, idempotencyKey: key },
        {
          // with the operation, by the worker that creates it: when several workers race for the
          // same key, the others get the existing operation and log nothing
          onCreate: (repos, op) =>
            appendEvent(repos, scope, {
              clusterId: view.cluster.id,
              type: 'service.failback_scheduled',
              objectType: 'Service',
              objectId: serviceId,
              serviceId,
              nodeId: targetNodeId,
              before: { nodeId: fromNodeId },
              after: { nodeId: targetNodeId, operationId: op.id, onlineSince: new Date(since).toISOString() },
              message: `service "${name}" moves back from ${host(fromNodeId)} to ${host(targetNodeId)}: ${reason}`,
            }),
        },
      );
    } catch (err) {
      // another operation on the service is active, or it got there meanwhile: the next pass looks again
      if (err instanceof ConflictError || err instanceof PreconditionFailedError) return false;
      throw err;
    }
    if (!submitted.created) return false;
    this.logger.log(`failback of ${scope.tenantId}/${serviceId} to ${targetNodeId} requested (operation ${submitted.operation.id})`);
    return true;
  }
}
