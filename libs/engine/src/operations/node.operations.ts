import { planPlacements, quorumReport, sortForPlacement, TenantScope } from '@haaas/domain';
import type { NodeService } from '@haaas/management';
import type { NodeEntity, ServiceEntity, Store } from '@haaas/persistence';
import { loadClusterView, ServiceFacts } from '@haaas/engine-runtime';
import type { NodePower, PowerAction } from './node-power';
import type { OperationRun } from './operation-run';
import { OperationStepError } from './operation-run';
import { isRunning, rejectionSummary, ServiceActions } from './service.operations';

export interface NodeOperationsOptions {
  /** Services moved at once during an evacuation, within one priority level (default 8, as recovery). */
  readonly parallelism?: number;
  /** How long to wait for a host to answer its hypervisor manager after a power-on or reboot (default 10 min). */
  readonly bootTimeoutMs?: number;
  /** Between two checks while waiting (default 5 s). */
  readonly bootPollMs?: number;
}

/**
 * Node actions. Evacuate: maintenance on first (the node takes no new service and its silence
 * triggers no recovery), then every running service to the node placement chooses, highest
 * priority first. Shutdown and reboot evacuate first, then power the host; startup powers it on,
 * waits until its hypervisor manager answers and ends maintenance (the detector then gives it the
 * grace period of a rebooted node).
 */
export class NodeOperations {
  private readonly parallelism: number;
  private readonly bootTimeoutMs: number;
  private readonly bootPollMs: number;

  constructor(
    private readonly store: Store,
    private readonly nodes: NodeService,
    private readonly power: NodePower,
    private readonly actions: ServiceActions,
    options: NodeOperationsOptions = {},
  ) {
    this.parallelism = Math.max(1, options.parallelism ?? 8);
    this.bootTimeoutMs = options.bootTimeoutMs ?? 10 * 60_000;
    this.bootPollMs = options.bootPollMs ?? 5000;
  }

  async evacuate(run: OperationRun, signal: AbortSignal): Promise<string> {
    const node = await this.store.repos.nodes.get(run.scope, run.operation.targetId);
    await run.plan(['enter maintenance', 'plan placements']);
    await this.enterMaintenance(run, node);
    const moved = await this.moveServicesOff(run, node, signal);
    return moved === 0 ? `${node.hostname} is in maintenance; no service was running on it` : `${node.hostname} is in maintenance; ${moved} service(s) moved off`;
  }

  async shutdown(run: OperationRun, signal: AbortSignal): Promise<string> {
    const node = await this.store.repos.nodes.get(run.scope, run.operation.targetId);
    await run.plan(['enter maintenance', 'plan placements', 'power off']);
    await this.enterMaintenance(run, node);
    await this.moveServicesOff(run, node, signal);
    await this.powerStep(run, node, 'off', 'power off', signal);
    return `${node.hostname} is powered off and stays in maintenance (startupNode brings it back)`;
  }

  async reboot(run: OperationRun, signal: AbortSignal): Promise<string> {
    const node = await this.store.repos.nodes.get(run.scope, run.operation.targetId);
    await run.plan(['enter maintenance', 'plan placements', 'power reboot', 'wait for the host to answer', 'leave maintenance']);
    await this.enterMaintenance(run, node);
    await this.moveServicesOff(run, node, signal);
    await this.powerStep(run, node, 'reboot', 'power reboot', signal);
    await this.waitUp(run, node, signal);
    await this.leaveMaintenance(run, node);
    return `${node.hostname} rebooted and is back (services stay where they were moved; failback follows the domains)`;
  }

  async startup(run: OperationRun, signal: AbortSignal): Promise<string> {
    const node = await this.store.repos.nodes.get(run.scope, run.operation.targetId);
    await run.plan(['power on', 'wait for the host to answer', 'leave maintenance']);
    await this.powerStep(run, node, 'on', 'power on', signal);
    await this.waitUp(run, node, signal);
    await this.leaveMaintenance(run, node);
    return `${node.hostname} is up and out of maintenance`;
  }

  private async enterMaintenance(run: OperationRun, node: NodeEntity): Promise<void> {
    await run.step(
      'enter maintenance',
      async () => {
        const fresh = await this.store.repos.nodes.get(run.scope, node.id);
        if (fresh.maintenance) return { skipped: true, message: 'already in maintenance' };
        await this.nodes.setMaintenance(run.scope, node.id, true);
        const after = await this.store.repos.nodes.find(run.scope, { clusterId: node.clusterId });
        const q = quorumReport(after);
        // not refused: the operator asked for it; but a cluster without quorum recovers nothing
        return { message: q.quorate ? 'the node takes no new services' : `the node takes no new services; the cluster is now without quorum (${q.healthyNodes} of ${q.totalNodes} healthy, ${q.quorum} needed): failures will not be recovered` };
      },
      { nodeId: node.id },
    );
  }

  private async leaveMaintenance(run: OperationRun, node: NodeEntity): Promise<void> {
    await run.step(
      'leave maintenance',
      async () => {
        const fresh = await this.store.repos.nodes.get(run.scope, node.id);
        if (!fresh.maintenance) return { skipped: true, message: 'not in maintenance' };
        await this.nodes.setMaintenance(run.scope, node.id, false);
        return { message: 'OFFLINE until the failure detector hears from its agent' };
      },
      { nodeId: node.id },
    );
  }

  private async powerStep(run: OperationRun, node: NodeEntity, action: PowerAction, name: string, signal: AbortSignal): Promise<void> {
    await run.step(
      name,
      async () => {
        const cluster = await this.store.repos.clusters.get(run.scope, node.clusterId);
        const fresh = await this.store.repos.nodes.get(run.scope, node.id);
        const r = await this.power.power(run.scope, fresh, cluster.hypervisor, action, signal);
        return { message: `through ${r.via}` };
      },
      { nodeId: node.id },
    );
  }

  private async waitUp(run: OperationRun, node: NodeEntity, signal: AbortSignal): Promise<void> {
    await run.step(
      'wait for the host to answer',
      async () => {
        const cluster = await this.store.repos.clusters.get(run.scope, node.clusterId);
        const started = Date.now();
        for (;;) {
          if (await this.power.answers(run.scope, node, cluster.hypervisor, Math.min(15_000, this.bootTimeoutMs), signal)) {
            return { message: `its hypervisor answered after ${Math.round((Date.now() - started) / 1000)} s` };
          }
          if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('worker stopping');
          if (Date.now() - started > this.bootTimeoutMs) throw new OperationStepError(`${node.hostname} did not answer within ${Math.round(this.bootTimeoutMs / 1000)} s`);
          await new Promise((resolve) => setTimeout(resolve, this.bootPollMs));
        }
      },
      { nodeId: node.id },
    );
  }

  /**
   * Moves every running service off the node: one plan for all (each placement sees the earlier
   * ones), then a step per service, a priority level at a time, `parallelism` at once. Services
   * that cannot move make the step (and the operation) fail with the reason; the others still move.
   */
  private async moveServicesOff(run: OperationRun, node: NodeEntity, signal: AbortSignal): Promise<number> {
    let toMove: PlannedMove[] = [];
    let hostnames = new Map<string, string>();
    let planned = false;
    await run.step(
      'plan placements',
      async () => {
        ({ moves: toMove, hostnames } = await this.planMoves(run.scope, node));
        planned = true;
        await run.plan(
          toMove.map((m) => moveStep(m.service)),
          'plan placements',
        );
        const unplaced = toMove.filter((m) => !m.targetNodeId).length;
        return { message: toMove.length === 0 ? 'nothing runs on the node' : `${toMove.length - unplaced} of ${toMove.length} service(s) placed${unplaced ? `, ${unplaced} without a node` : ''}` };
      },
      { nodeId: node.id },
    );
    // a retried run skips the plan step: what still runs on the node is planned again
    if (!planned) ({ moves: toMove, hostnames } = await this.planMoves(run.scope, node));
    const failed: string[] = [];
    const levels = new Map<number, typeof toMove>();
    for (const m of toMove) levels.set(m.service.priority, [...(levels.get(m.service.priority) ?? []), m]);
    for (const [, level] of [...levels.entries()].sort(([a], [b]) => b - a)) {
      for (let i = 0; i < level.length; i += this.parallelism) {
        const batch = level.slice(i, i + this.parallelism);
        const results = await Promise.allSettled(
          batch.map((m) =>
            run.step(
              moveStep(m.service),
              async () => {
                const fresh = await this.store.repos.services.get(run.scope, m.service.id);
                if (!isRunning(fresh) || fresh.currentNodeId !== node.id) return { skipped: true, message: 'no longer on the node' };
                if (!m.targetNodeId) throw new OperationStepError(`no node can take it: ${m.reason ?? 'no candidate'}`);
                const message = await this.actions.relocate(run.scope, m.service.id, m.targetNodeId, { owner: `operation:${run.operation.id}`, signal });
                return { message: `to ${hostnames.get(m.targetNodeId) ?? m.targetNodeId}: ${message}` };
              },
              { serviceId: m.service.id, nodeId: m.targetNodeId ?? node.id },
            ),
          ),
        );
        results.forEach((r, j) => {
          if (r.status === 'rejected') failed.push(batch[j]?.service.name ?? '?');
        });
      }
    }
    if (failed.length > 0) throw new OperationStepError(`${failed.length} of ${toMove.length} service(s) could not be moved off ${node.hostname}: ${failed.join(', ')}`);
    return toMove.length;
  }

  /** The services running on the node, placed together (each placement sees the earlier ones), highest priority first. */
  private async planMoves(scope: TenantScope, node: NodeEntity): Promise<{ moves: PlannedMove[]; hostnames: Map<string, string> }> {
    const view = await loadClusterView(this.store.repos, scope, node.clusterId);
    const services = sortForPlacement(view.servicesOn(node.id).filter(isRunning));
    const plan = planPlacements(
      services.map((s) => view.recoveryService(s)),
      view.placementNodes(),
      { excludeNodeIds: [node.id] },
    );
    const decisions = new Map(plan.decisions.map((d) => [d.serviceId, d]));
    const moves = services.map((s) => {
      const d = decisions.get(s.id);
      return { service: s, targetNodeId: d?.nodeId ?? null, reason: d && !d.nodeId ? rejectionSummary(d.reason, d.rejected, view.nodesById) : null };
    });
    return { moves, hostnames: new Map(view.nodes.map((n) => [n.id, n.hostname])) };
  }
}

interface PlannedMove {
  readonly service: ServiceFacts;
  readonly targetNodeId: string | null;
  readonly reason: string | null;
}

function moveStep(service: Pick<ServiceEntity, 'name'>): string {
  return `move service ${service.name}`;
}
