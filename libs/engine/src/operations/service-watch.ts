import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ConflictError, NodeStatus, PreconditionFailedError, RecoveryAction, ResourceType, ServiceState, SystemActor, TenantScope } from '@haaas/domain';
import { deadline } from '@haaas/hypervisor';
import { appendEvent, NodeService } from '@haaas/management';
import type { HypervisorAdapters } from '@haaas/management';
import { anyOf, atLeast, Store } from '@haaas/persistence';
import { OPEN_INCIDENT_STATES } from '@haaas/detector';
import { NodeResourceError } from '@haaas/node-actions';
import type { NodeResourceDriver } from '@haaas/node-actions';
import { vmRefOf } from '@haaas/engine-runtime';
import { adapterMessage, HostSessions } from '@haaas/engine-runtime';
import { agentResource } from '@haaas/engine-runtime';
import { forEachStartedCluster, PeriodicPass } from './cluster-pass';
import { OperationKind } from './operation.types';
import { OperationsService } from './operations.service';
import { retrySignature, watchVerdict } from './service-watch.verdict';

export const SERVICE_WATCH_ACTOR = SystemActor.ServiceWatch;

export interface ServiceWatchOptions {
  /** How often the VMs of every started service are looked at (default 5 s). */
  readonly intervalMs?: number;
  /** Deadline of asking one node for its VMs (default 10 s). */
  readonly listDeadlineMs?: number;
}

/** What one pass did (for tests and logs). */
export interface ServiceWatchPassResult {
  readonly services: number;
  /** Services seen down for the first time (acted on at the next pass if still down). */
  readonly suspected: number;
  /** Operations requested for services still down. */
  readonly acted: number;
}

/** The operation's idempotency key: one action per (service, node, time it was first seen down). */
function watchKey(serviceId: string, nodeId: string, firstSeenMs: number): string {
  return `svcwatch.${createHash('sha256').update(`${serviceId}/${nodeId}/${firstSeenMs}`).digest('hex').slice(0, 40)}`;
}

/** Marks a FAILED service in `failedAt` that the watch did not fail. */
const NOT_THE_WATCHS = '-';

const OPERATION_OF: Readonly<Record<RecoveryAction, OperationKind>> = {
  [RecoveryAction.RESTART]: OperationKind.SERVICE_RESTART,
  [RecoveryAction.RELOCATE]: OperationKind.SERVICE_RELOCATE,
  [RecoveryAction.DISABLE]: OperationKind.SERVICE_STOP,
};

/**
 * Service failures on healthy nodes (a VM that crashed or was powered off behind HAaaS's back):
 * node failures are the detector's and the incidents'. Every pass asks each ONLINE node of a
 * STARTED cluster for its VMs (one `listVms` per node) and compares with the STARTED services
 * placed there. A service whose VM is not running is suspect; still down at the next pass (and not
 * claimed by another actor, no operation on it since), its policy decides (`serviceFailureAction`):
 * RESTART in place while the restart budget (`maxRestarts` in `restartWindowSeconds`) allows, else
 * RELOCATE; DISABLE stops it. The action is an ordinary operation requested by
 * `system:service-watch` (SERVICE_RESTART, SERVICE_RELOCATE, SERVICE_STOP), so claims serialise it
 * with everything else; a restart is counted in `services.recent_restarts` and the decision logged
 * (`service.failure_detected`) in the transaction that creates the operation. Any number of workers
 * may run it: an operation on the service since it was first seen down (another worker's) stands
 * them down, and one active operation per service is the operations service's rule. Nothing is
 * done on a node that is not ONLINE or has an open incident (its services are the incident's);
 * the rest of the cluster is watched as usual.
 *
 * A service it can neither restart (budget spent) nor move (no other node can take it, e.g. a
 * restricted domain of its own node only) is set FAILED with the reason (`service.failed`) instead
 * of being asked for a relocation that fails every pass; it is tried again (SERVICE_START) only
 * when what its chances depend on changes (`retrySignature`: a node returns, its policy or domain
 * changes) or an operator starts it.
 */
export class ServiceWatch {
  private readonly logger = new Logger('ServiceWatch');
  private readonly periodic: PeriodicPass;
  /** Service id → when (and on which node) this process first saw it down. */
  private readonly suspects = new Map<string, { readonly nodeId: string; readonly sinceMs: number }>();
  /** FAILED service id → the retry signature when it failed (read back from its `service.failed` event after a restart). */
  private readonly failedAt = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly operations: OperationsService,
    private readonly nodes: NodeService,
    private readonly adapters: HypervisorAdapters,
    private readonly options: ServiceWatchOptions = {},
    /** Asks the node agents about IP, APPLICATION and VOLUME resources; without it only VMs are watched. */
    private readonly nodeResources: NodeResourceDriver | null = null,
  ) {
    this.periodic = new PeriodicPass(options.intervalMs ?? 5000, () => this.runOnce(), (err) => this.logger.error(`service watch pass failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  start(): void {
    this.periodic.start();
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
  }

  /** One pass over every STARTED cluster of every tenant (public for tests). */
  async runOnce(nowMs = Date.now()): Promise<ServiceWatchPassResult> {
    const total = { services: 0, suspected: 0, acted: 0 };
    const seen = new Set<string>();
    await forEachStartedCluster(
      this.store,
      SERVICE_WATCH_ACTOR,
      async (scope, clusterId) => {
        const r = await this.runCluster(scope, clusterId, nowMs, seen);
        total.services += r.services;
        total.suspected += r.suspected;
        total.acted += r.acted;
      },
      (key, err) => this.logger.error(`cluster ${key}: ${err instanceof Error ? err.message : String(err)}`),
    );
    // services no longer watched (stopped, moved, deleted) are no longer suspect
    for (const id of [...this.suspects.keys()]) if (!seen.has(id)) this.suspects.delete(id);
    return total;
  }

  /** One cluster's pass (see the class comment); `seen` collects the services still down. */
  async runCluster(scope: TenantScope, clusterId: string, nowMs: number, seen: Set<string> = new Set()): Promise<ServiceWatchPassResult> {
    const result = { services: 0, suspected: 0, acted: 0 };
    // an open incident holds its own node only
    const held = new Set((await this.store.repos.incidents.select(scope, { clusterId, state: anyOf(OPEN_INCIDENT_STATES) }, ['nodeId'])).map((i) => i.nodeId));
    const cluster = await this.store.repos.clusters.get(scope, clusterId);
    const nodes = (await this.store.repos.nodes.find(scope, { clusterId })).filter((n) => n.status === NodeStatus.ONLINE && !n.maintenance && !held.has(n.id));
    const services = await this.store.repos.services.select(scope, { clusterId, state: ServiceState.STARTED }, ['id', 'name', 'currentNodeId', 'claimedBy', 'claimExpiresAt']);
    const resources = await this.store.repos.resources.select(scope, { clusterId }, ['id', 'name', 'serviceId', 'type', 'spec']);
    const refsOf = new Map<string, string[]>();
    const agentOf = new Map<string, (typeof resources)[number][]>();
    for (const r of resources) {
      if (!r.serviceId) continue;
      const ref = vmRefOf(r);
      if (ref) refsOf.set(r.serviceId, [...(refsOf.get(r.serviceId) ?? []), ref]);
      else if (this.nodeResources && watchable(r)) agentOf.set(r.serviceId, [...(agentOf.get(r.serviceId) ?? []), r]);
    }
    const sessions = new HostSessions(scope, cluster.hypervisor, this.adapters, this.nodes);
    try {
      for (const node of nodes) {
        const here = services.filter((s) => s.currentNodeId === node.id && ((refsOf.get(s.id)?.length ?? 0) > 0 || (agentOf.get(s.id)?.length ?? 0) > 0));
        if (here.length === 0) continue;
        let running: Set<string> | null = null;
        if (here.some((s) => (refsOf.get(s.id)?.length ?? 0) > 0)) {
          try {
            const host = await sessions.host(node);
            running = new Set((await host.listVms({ signal: deadline(this.options.listDeadlineMs ?? 10_000) })).filter((v) => v.powerState === 'RUNNING').map((v) => v.ref));
          } catch (err) {
            // a node that does not answer is the detector's to judge, not a service failure
            this.logger.warn(`${node.hostname}: VMs not listed (${adapterMessage(err)}); its services are not judged this pass`);
          }
        }
        for (const s of here) {
          const vmsDown = (refsOf.get(s.id) ?? []).filter((ref) => running !== null && !running.has(ref));
          const othersDown = await this.agentDown(scope, node.id, node.hostname, agentOf.get(s.id) ?? []);
          if ((running === null && (refsOf.get(s.id)?.length ?? 0) > 0) || othersDown === null) {
            // not judged this pass (its node or its agent did not answer): it stays as it was
            if (this.suspects.has(s.id)) seen.add(s.id);
            continue;
          }
          result.services++;
          const down = [...vmsDown, ...othersDown];
          const claimed = s.claimedBy != null && s.claimExpiresAt != null && s.claimExpiresAt.getTime() > nowMs;
          if (down.length === 0 || claimed) {
            this.suspects.delete(s.id);
            continue;
          }
          seen.add(s.id);
          const suspect = this.suspects.get(s.id);
          if (!suspect || suspect.nodeId !== node.id) {
            this.suspects.set(s.id, { nodeId: node.id, sinceMs: nowMs });
            result.suspected++;
            continue;
          }
          if (await this.act(scope, clusterId, s.id, s.name, node.id, node.hostname, down, suspect.sinceMs, nowMs)) result.acted++;
        }
      }
    } finally {
      await sessions.close();
    }
    result.acted += await this.retryFailed(scope, clusterId);
    return result;
  }

  /** FAILED services this watch failed whose chances changed since: SERVICE_START, once per change. */
  private async retryFailed(scope: TenantScope, clusterId: string): Promise<number> {
    const failed = await this.store.repos.services.select(scope, { clusterId, state: ServiceState.FAILED }, ['id', 'name']);
    let acted = 0;
    for (const s of failed) {
      let then = this.failedAt.get(s.id);
      if (then === undefined) {
        const [last] = await this.store.repos.events.find(scope, { serviceId: s.id, type: 'service.failed' }, { id: 'DESC' });
        const sig = last?.after?.['retrySignature'];
        // failed by something else (a recovery, an operation): not the watch's to retry (remembered: asked once)
        then = typeof sig === 'string' ? sig : NOT_THE_WATCHS;
        this.failedAt.set(s.id, then);
      }
      if (then === NOT_THE_WATCHS) continue;
      const now = await retrySignature(this.store, scope, clusterId, s.id);
      if (now === null || now === then) continue;
      try {
        const { created } = await this.operations.submit(
          scope,
          { kind: OperationKind.SERVICE_START, targetId: s.id, idempotencyKey: `svcwatch.retry.${now}${s.id.replace(/-/g, '').slice(0, 16)}`.slice(0, 80) },
          {
            onCreate: (repos, op) =>
              appendEvent(repos, scope, {
                clusterId,
                type: 'service.retry_on_change',
                objectType: 'Service',
                objectId: s.id,
                serviceId: s.id,
                before: { retrySignature: then },
                after: { retrySignature: now, operationId: op.id },
                message: `service "${s.name}" is tried again: a node, its policy or its domain changed since it failed`,
              }),
          },
        );
        this.failedAt.delete(s.id);
        if (created) acted++;
      } catch (err) {
        if (err instanceof ConflictError || err instanceof PreconditionFailedError) continue;
        throw err;
      }
    }
    for (const id of [...this.failedAt.keys()]) if (!failed.some((s) => s.id === id)) this.failedAt.delete(id);
    return acted;
  }

  /** Neither restart nor move can help: FAILED with the reason, unless someone acted on it meanwhile. */
  private async fail(scope: TenantScope, clusterId: string, serviceId: string, name: string, nodeId: string, hostname: string, down: readonly string[], sinceMs: number, reason: string): Promise<boolean> {
    const changed = await this.store.transaction(async (repos) => {
      const s = await repos.services.lock(scope, serviceId);
      const claimed = s.claimedBy != null && s.claimExpiresAt != null && s.claimExpiresAt.getTime() > Date.now();
      if (s.state !== ServiceState.STARTED || s.currentNodeId !== nodeId || claimed) return false;
      await repos.services.update(scope, s.id, { state: ServiceState.FAILED, currentNodeId: null });
      return true;
    });
    if (!changed) return false;
    const signature = (await retrySignature(this.store, scope, clusterId, serviceId)) ?? '';
    this.failedAt.set(serviceId, signature);
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId,
        type: 'service.failed',
        objectType: 'Service',
        objectId: serviceId,
        serviceId,
        nodeId,
        before: { state: ServiceState.STARTED, currentNodeId: nodeId },
        after: { state: ServiceState.FAILED, down, firstSeenDownAt: new Date(sinceMs).toISOString(), reason, retrySignature: signature },
        message: `service "${name}": ${down.join(', ')} not running on ${hostname}; FAILED: ${reason}`.slice(0, 1024),
      }),
    );
    this.logger.warn(`service ${scope.tenantId}/${serviceId} FAILED: ${reason}`);
    return true;
  }

  /** Names of the service's agent-carried resources that are not healthy on the node; null when the agent did not answer. */
  private async agentDown(scope: TenantScope, nodeId: string, hostname: string, resources: readonly { id: string; name: string; type: ResourceType; spec: Record<string, unknown> }[]): Promise<string[] | null> {
    if (!this.nodeResources || resources.length === 0) return [];
    const down: string[] = [];
    for (const r of resources) {
      try {
        const health = await this.nodeResources.monitor({ scope, nodeId, hostname }, { resource: agentResource(r), timeoutMs: this.options.listDeadlineMs ?? 10_000 });
        if (!health.ok) down.push(r.name);
      } catch (err) {
        if (err instanceof NodeResourceError && err.kind === 'AGENT_UNREACHABLE') return null;
        // the monitor itself failed on the host (its command could not run): the resource is not known healthy
        down.push(r.name);
      }
    }
    return down;
  }

  /** Asks for the policy's operation on a service still down; false when someone else acted. */
  private async act(scope: TenantScope, clusterId: string, serviceId: string, name: string, nodeId: string, hostname: string, down: readonly string[], sinceMs: number, nowMs: number): Promise<boolean> {
    // another worker (or an operator) acted since this one first saw it down: stand down
    if (await this.store.repos.operations.exists(scope, { targetId: serviceId, createdAt: atLeast(new Date(sinceMs)) })) {
      this.suspects.delete(serviceId);
      return false;
    }
    const [policy] = await this.store.repos.services.select(scope, { id: serviceId }, ['recoveryAction', 'maxRestarts', 'restartWindowSeconds', 'recentRestarts']);
    if (!policy) return false;
    const recentRestartsMs = (policy.recentRestarts ?? []).map((t) => Date.parse(t)).filter((t) => Number.isFinite(t));
    const verdict = await watchVerdict(this.store, scope, clusterId, serviceId, nodeId, policy, nowMs);
    if (verdict.kind === 'FAIL') {
      this.suspects.delete(serviceId);
      return this.fail(scope, clusterId, serviceId, name, nodeId, hostname, down, sinceMs, verdict.reason);
    }
    const decision = verdict.decision;
    const kind = OPERATION_OF[decision.action];
    try {
      const { created } = await this.operations.submit(
        scope,
        { kind, targetId: serviceId, idempotencyKey: watchKey(serviceId, nodeId, sinceMs) },
        {
          onCreate: async (repos, op) => {
            const s = await repos.services.lock(scope, serviceId);
            if (decision.action === RecoveryAction.RESTART) {
              const windowMs = policy.restartWindowSeconds * 1000;
              const kept = recentRestartsMs.filter((t) => nowMs - t < windowMs).map((t) => new Date(t).toISOString());
              await repos.services.update(scope, s.id, { recentRestarts: [...kept, new Date(nowMs).toISOString()] });
            }
            await appendEvent(repos, scope, {
              clusterId,
              type: 'service.failure_detected',
              objectType: 'Service',
              objectId: serviceId,
              serviceId,
              nodeId,
              before: { state: s.state, currentNodeId: s.currentNodeId },
              after: { down, firstSeenDownAt: new Date(sinceMs).toISOString(), decision: decision.action, reason: decision.reason, restartBudget: decision.restartBudget, operationId: op.id, operation: kind },
              message: `service "${name}": ${down.join(', ')} not running on ${hostname}; ${decision.action} (${decision.reason})`.slice(0, 1024),
            });
          },
        },
      );
      this.suspects.delete(serviceId);
      return created;
    } catch (err) {
      // an operation on the service is active, or its state changed meanwhile: the next pass looks again
      if (err instanceof ConflictError || err instanceof PreconditionFailedError) return false;
      throw err;
    }
  }
}

/** Resources an agent can say are healthy: addresses, volumes, and applications with a monitor command. */
function watchable(r: { type: ResourceType; spec: Record<string, unknown> }): boolean {
  if (r.type === ResourceType.IP || r.type === ResourceType.VOLUME) return true;
  return r.type === ResourceType.APPLICATION && typeof r.spec['monitorCommand'] === 'string' && r.spec['monitorCommand'] !== '';
}
