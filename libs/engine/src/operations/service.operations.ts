import { NodeRejection, placeService, PreconditionFailedError, ServiceState, TenantScope } from '@haaas/domain';
import type { NodeEntity, ServiceEntity, Store } from '@haaas/persistence';
import { ClusterView, loadClusterView, ServiceFacts } from '@haaas/engine-runtime';
import type { OperationRun } from './operation-run';
import { OperationStepError } from './operation-run';

/** What operations need done to a service's resources on the hypervisors (the recovery engine's ServiceRunner does it). */
export interface ServiceActions {
  /** Starts the service's resources in order on `nodeId` (checking first that no VM of it runs on another node). */
  start(scope: TenantScope, serviceId: string, nodeId: string, options: ServiceActionOptions): Promise<string>;
  /** Stops the service's resources in reverse order where they run. */
  stop(scope: TenantScope, serviceId: string, options: ServiceActionOptions): Promise<string>;
  /** Stops it where it runs and starts it on `targetNodeId`. */
  relocate(scope: TenantScope, serviceId: string, targetNodeId: string, options: ServiceActionOptions): Promise<string>;
  /** The nodes where VMs of the service are active now (asked of every reachable node); optional for executors without hypervisors. */
  activeOn?(scope: TenantScope, serviceId: string, signal?: AbortSignal): Promise<{ readonly nodeIds: readonly string[]; readonly unreachable: readonly string[] }>;
}

export interface ServiceActionOptions {
  /** Who acts (the claim owner): `operation:<id>`. */
  readonly owner: string;
  readonly signal?: AbortSignal;
}

/** States in which a service runs (or is on its way) and is therefore stopped or moved. */
const RUNNING: ReadonlySet<ServiceState> = new Set([ServiceState.STARTED, ServiceState.STARTING, ServiceState.RECOVERING, ServiceState.STOPPING]);

export function isRunning(service: Pick<ServiceEntity, 'state'>): boolean {
  return RUNNING.has(service.state);
}

/** Why no node fits, as one line: the first few nodes' reasons. */
export function rejectionSummary(reason: string | null, rejected: readonly NodeRejection[], nodes: ReadonlyMap<string, Pick<NodeEntity, 'hostname'>>): string {
  const detail = rejected
    .slice(0, 5)
    .map((r) => `${nodes.get(r.nodeId)?.hostname ?? r.nodeId}: ${r.reason} (${r.detail})`)
    .join('; ');
  return [reason ?? 'no node can take it', detail].filter((s) => s !== '').join(': ');
}

/**
 * Service actions: start, stop, restart (on the same node) and relocate (to a named node or the
 * best one). Where a node must be chosen, the domain's placement decides, on the same view of the
 * cluster as recovery (failover domain, capacity, anti-affinity, maintenance and status).
 */
export class ServiceOperations {
  constructor(
    private readonly store: Store,
    private readonly actions: ServiceActions,
  ) {}

  owner(run: OperationRun): string {
    return `operation:${run.operation.id}`;
  }

  async runningServices(scope: TenantScope, clusterId: string): Promise<ServiceEntity[]> {
    const all = await this.store.repos.services.find(scope, { clusterId });
    return all.filter(isRunning);
  }

  stopStepName(service: Pick<ServiceEntity, 'name'>): string {
    return `stop service ${service.name}`;
  }

  /** Stops one service as a step of another operation (cluster stop). */
  async stopAsStep(run: OperationRun, service: ServiceEntity, signal?: AbortSignal): Promise<void> {
    await run.step(
      this.stopStepName(service),
      async () => {
        const fresh = await this.store.repos.services.findById(run.scope, service.id);
        if (!fresh || !isRunning(fresh)) return { skipped: true, message: 'not running' };
        return { message: await this.actions.stop(run.scope, service.id, { owner: this.owner(run), signal }) };
      },
      { serviceId: service.id, nodeId: service.currentNodeId },
    );
  }

  async start(run: OperationRun, signal: AbortSignal): Promise<string> {
    const service = await this.store.repos.services.get(run.scope, run.operation.targetId);
    const target = await this.chooseNode(run, service, 'start', null);
    const node = await this.store.repos.nodes.get(run.scope, target);
    await run.plan([`start on ${node.hostname}`]);
    await run.step(`start on ${node.hostname}`, async () => ({ message: await this.actions.start(run.scope, service.id, target, { owner: this.owner(run), signal }) }), {
      serviceId: service.id,
      nodeId: target,
    });
    return `service ${service.name} runs on ${node.hostname}`;
  }

  async stop(run: OperationRun, signal: AbortSignal): Promise<string> {
    const service = await this.store.repos.services.get(run.scope, run.operation.targetId);
    await run.plan(['stop']);
    await run.step(
      'stop',
      async () => {
        const fresh = await this.store.repos.services.get(run.scope, service.id);
        if (fresh.state === ServiceState.STOPPED && fresh.currentNodeId === null) return { skipped: true, message: 'already stopped' };
        return { message: await this.actions.stop(run.scope, service.id, { owner: this.owner(run), signal }) };
      },
      { serviceId: service.id, nodeId: service.currentNodeId },
    );
    return `service ${service.name} is stopped`;
  }

  /** Stop, then start again on the node it ran on; a service that was not running is started where placement says. */
  async restart(run: OperationRun, signal: AbortSignal): Promise<string> {
    const service = await this.store.repos.services.get(run.scope, run.operation.targetId);
    const remembered = typeof run.params['restartNodeId'] === 'string' ? run.params['restartNodeId'] : null;
    const nodeId = remembered ?? (isRunning(service) ? service.currentNodeId : null);
    if (!nodeId) return this.start(run, signal);
    if (!remembered) await run.mutate((op) => void (op.params = { ...op.params, restartNodeId: nodeId }));
    const node = await this.store.repos.nodes.get(run.scope, nodeId);
    await run.plan([`stop on ${node.hostname}`, `start on ${node.hostname}`]);
    await run.step(`stop on ${node.hostname}`, async () => ({ message: await this.actions.stop(run.scope, service.id, { owner: this.owner(run), signal }) }), {
      serviceId: service.id,
      nodeId,
    });
    await run.step(`start on ${node.hostname}`, async () => ({ message: await this.actions.start(run.scope, service.id, nodeId, { owner: this.owner(run), signal }) }), {
      serviceId: service.id,
      nodeId,
    });
    return `service ${service.name} restarted on ${node.hostname}`;
  }

  async relocate(run: OperationRun, signal: AbortSignal): Promise<string> {
    const service = await this.store.repos.services.get(run.scope, run.operation.targetId);
    const asked = typeof run.params['targetNodeId'] === 'string' ? run.params['targetNodeId'] : null;
    const target = await this.chooseNode(run, service, 'relocate', asked);
    const node = await this.store.repos.nodes.get(run.scope, target);
    await run.plan([`relocate to ${node.hostname}`]);
    await run.step(
      `relocate to ${node.hostname}`,
      async () => {
        const fresh = await this.store.repos.services.get(run.scope, service.id);
        if (isRunning(fresh) && fresh.currentNodeId === target && fresh.state === ServiceState.STARTED) return { skipped: true, message: 'already runs there' };
        if (!isRunning(fresh)) return { message: `was not running: ${await this.actions.start(run.scope, service.id, target, { owner: this.owner(run), signal })}` };
        return { message: await this.actions.relocate(run.scope, service.id, target, { owner: this.owner(run), signal }) };
      },
      { serviceId: service.id, nodeId: target },
    );
    return `service ${service.name} runs on ${node.hostname}`;
  }

  /**
   * The node a start or relocation goes to, chosen once and remembered in the operation (a
   * retried run goes to the same node): the one asked for, if placement accepts it, else the best
   * candidate (for a relocation, another node than the current one).
   */
  private async chooseNode(run: OperationRun, service: ServiceEntity, why: 'start' | 'relocate', asked: string | null): Promise<string> {
    const chosen = run.params['chosenNodeId'];
    if (typeof chosen === 'string') return chosen;
    await run.plan(['choose node']);
    let nodeId = '';
    await run.step(
      'choose node',
      async () => {
        const view = await loadClusterView(this.store.repos, run.scope, service.clusterId);
        const fresh = view.servicesById.get(service.id) ?? service;
        const remember = (id: string) => run.mutate((op) => void (op.params = { ...op.params, chosenNodeId: id }));
        if (!asked && why === 'start' && isRunning(fresh) && fresh.currentNodeId) {
          nodeId = fresh.currentNodeId;
          await remember(nodeId);
          return { message: `already on ${hostnameOf(view, nodeId)}` };
        }
        // adoption: a VM of it already runs somewhere (started outside HAaaS, a record lost): start = "already running there"
        const running = why === 'start' && !asked && this.actions.activeOn ? await this.actions.activeOn(run.scope, service.id) : null;
        if (running && running.nodeIds.length > 1) {
          throw new OperationStepError(`VMs of service ${fresh.name} are active on ${running.nodeIds.map((id) => hostnameOf(view, id)).join(' and ')}: stop the extra copies, or relocateService to one node`);
        }
        const adopted = running?.nodeIds[0];
        if (adopted) {
          nodeId = adopted;
          await remember(nodeId);
          return { message: `adopted: already running on ${hostnameOf(view, nodeId)}` };
        }
        const exclude = why === 'relocate' && fresh.currentNodeId ? [fresh.currentNodeId] : [];
        const placement = placeService(view.recoveryService(fresh), withoutOwnLoad(view, fresh), { excludeNodeIds: exclude });
        if (asked) {
          if (!placement.candidates.some((c) => c.nodeId === asked)) {
            const rejection = placement.rejected.find((r) => r.nodeId === asked);
            throw new PreconditionFailedError(
              `service ${fresh.name} cannot go to ${hostnameOf(view, asked)}: ${rejection ? `${rejection.reason} (${rejection.detail})` : 'not a candidate'}`,
              { reason: rejection?.reason ?? 'NOT_A_CANDIDATE', nodeId: asked },
            );
          }
          nodeId = asked;
          await remember(nodeId);
          return { message: `${hostnameOf(view, asked)} (asked for)` };
        }
        if (!placement.nodeId) throw new OperationStepError(`no node can take service ${fresh.name}: ${rejectionSummary(placement.reason, placement.rejected, view.nodesById)}`);
        nodeId = placement.nodeId;
        await remember(nodeId);
        return { message: `${hostnameOf(view, nodeId)} (best of ${placement.candidates.length} candidate(s))` };
      },
      { serviceId: service.id },
    );
    const remembered = run.params['chosenNodeId'];
    return typeof remembered === 'string' ? remembered : nodeId;
  }
}

function hostnameOf(view: ClusterView, nodeId: string): string {
  return view.nodesById.get(nodeId)?.hostname ?? nodeId;
}

/** The cluster's nodes as placement sees them, without the service itself (it is the one moving). */
function withoutOwnLoad(view: ClusterView, service: ServiceFacts): ReturnType<ClusterView['placementNodes']> {
  const size = view.sizeOf(service.id);
  const at = view.locationsOf(service);
  const group = service.antiAffinityGroup;
  // the group stays on a node where another service of it runs
  const groupElsewhere = (nodeId: string): boolean => view.services.some((s) => s.id !== service.id && s.antiAffinityGroup === group && view.locationsOf(s).has(nodeId));
  return view.placementNodes().map((n) =>
    at.has(n.id)
      ? {
          ...n,
          usedCpus: Math.max(0, n.usedCpus - size.cpus),
          usedMemoryMb: Math.max(0, n.usedMemoryMb - size.memoryMb),
          antiAffinityGroups: group && !groupElsewhere(n.id) ? n.antiAffinityGroups.filter((g) => g !== group) : n.antiAffinityGroups,
        }
      : n,
  );
}
