import { ClusterState } from '@haaas/domain';
import type { ServiceEntity, Store } from '@haaas/persistence';
import { clusterStartCheck, startRefusal } from './cluster-preconditions';
import { changeClusterState } from './cluster-state';
import type { LiveSignalPublisher } from './live/live-signals';
import type { OperationRun } from './operation-run';
import { OperationStepError } from './operation-run';
import type { ServiceOperations } from './service.operations';

/** Services of a stopping cluster stopped at once (one priority level at a time). */
const STOP_PARALLELISM = 8;

/** Cluster actions: HA on (start), off (stop, with its services), paused (suspend) and back (resume). */
export class ClusterOperations {
  constructor(
    private readonly store: Store,
    private readonly signals: LiveSignalPublisher,
    private readonly services: ServiceOperations,
  ) {}

  async start(run: OperationRun): Promise<string> {
    const clusterId = run.operation.targetId;
    await run.plan(['check quorum and healthy nodes', 'activate HA']);
    let facts: Record<string, unknown> = {};
    await run.step('check quorum and healthy nodes', async () => {
      const cluster = await this.store.repos.clusters.get(run.scope, clusterId);
      const check = clusterStartCheck(cluster, await this.store.repos.nodes.find(run.scope, { clusterId }));
      // checked when asked for, and again now: nodes may have gone since
      if (!check.ok) throw startRefusal(cluster, check);
      facts = { totalNodes: check.totalNodes, healthyNodes: check.healthyNodes, quorum: check.quorum, minHealthyNodes: check.minHealthyNodes };
      return { message: `${check.healthyNodes} of ${check.totalNodes} node(s) healthy; quorum ${check.quorum}, minHealthyNodes ${check.minHealthyNodes}` };
    });
    await run.step('activate HA', () =>
      changeClusterState(this.store, this.signals, run.scope, {
        clusterId,
        from: [ClusterState.STOPPED],
        to: ClusterState.STARTED,
        eventType: 'cluster.started',
        message: 'HA started: failures are detected and recovered',
        operationId: run.operation.id,
        facts,
      }),
    );
    return 'HA is active';
  }

  /**
   * HA off first (the detector stops watching, so nothing is recovered behind our back while the
   * services stop), then every running service, lowest priority first (the reverse of recovery
   * order), a priority level at a time.
   */
  async stop(run: OperationRun): Promise<string> {
    const clusterId = run.operation.targetId;
    const running = await this.services.runningServices(run.scope, clusterId);
    const levels = byPriorityAscending(running);
    await run.plan(['deactivate HA', ...running.map((s) => this.services.stopStepName(s))]);
    await run.step('deactivate HA', () =>
      changeClusterState(this.store, this.signals, run.scope, {
        clusterId,
        from: [ClusterState.STARTED, ClusterState.SUSPENDED],
        to: ClusterState.STOPPED,
        eventType: 'cluster.stopped',
        message: 'HA stopped: failures are no longer detected or recovered',
        operationId: run.operation.id,
      }),
    );
    const failed: string[] = [];
    for (const level of levels) {
      for (let i = 0; i < level.length; i += STOP_PARALLELISM) {
        const batch = level.slice(i, i + STOP_PARALLELISM);
        const results = await Promise.allSettled(batch.map((s) => this.services.stopAsStep(run, s)));
        results.forEach((r, j) => {
          if (r.status === 'rejected') failed.push(batch[j]?.name ?? '?');
        });
      }
    }
    if (failed.length > 0) throw new OperationStepError(`HA is stopped but ${failed.length} service(s) did not stop: ${failed.join(', ')}`);
    return running.length === 0 ? 'HA is stopped; no service was running' : `HA is stopped; ${running.length} service(s) stopped`;
  }

  async suspend(run: OperationRun): Promise<string> {
    await run.plan(['suspend monitoring']);
    await run.step('suspend monitoring', () =>
      changeClusterState(this.store, this.signals, run.scope, {
        clusterId: run.operation.targetId,
        from: [ClusterState.STARTED],
        to: ClusterState.SUSPENDED,
        eventType: 'cluster.suspended',
        message: 'monitoring and recovery paused (maintenance): failures are not acted on until resumed',
        operationId: run.operation.id,
      }),
    );
    return 'monitoring and recovery are paused';
  }

  async resume(run: OperationRun): Promise<string> {
    await run.plan(['resume monitoring']);
    await run.step('resume monitoring', () =>
      changeClusterState(this.store, this.signals, run.scope, {
        clusterId: run.operation.targetId,
        from: [ClusterState.SUSPENDED],
        to: ClusterState.STARTED,
        eventType: 'cluster.resumed',
        message: 'monitoring and recovery resumed',
        operationId: run.operation.id,
      }),
    );
    return 'monitoring and recovery are active again';
  }
}

function byPriorityAscending(services: readonly ServiceEntity[]): ServiceEntity[][] {
  const levels = new Map<number, ServiceEntity[]>();
  for (const s of services) levels.set(s.priority, [...(levels.get(s.priority) ?? []), s]);
  return [...levels.entries()].sort(([a], [b]) => a - b).map(([, list]) => list.sort((x, y) => (x.id < y.id ? -1 : 1)));
}
