import { type EventTypeOf, NodeStatus, ServiceState, TenantScope } from '@haaas/domain';
import { appendEvent, readResourceSpec, SPEC_FIELD } from '@haaas/management';
import type { AgentResourceType } from '@haaas/node-actions';
import type { ClusterEntity, NodeEntity, Repositories, ResourceEntity, ServiceEntity, Store } from '@haaas/persistence';
import { vmRefOf } from './cluster-view';
import { ClaimLostError, ServiceClaim } from './service-claims';

/** A service with its cluster, the cluster's nodes and its resources, read together. */
export interface LoadedService {
  readonly service: ServiceEntity;
  readonly cluster: ClusterEntity;
  readonly nodes: NodeEntity[];
  readonly resources: ResourceEntity[];
}

/** A change of the service's state (and node), with its event. */
export interface ServiceTransition {
  readonly state: ServiceState;
  /** The new current node; undefined: unchanged. */
  readonly currentNodeId?: string | null;
  readonly type: EventTypeOf<'Service'>;
  /** The event's node; undefined: the node the service was on before. */
  readonly nodeId?: string | null;
  /** The event's `before` from the row as locked. */
  readonly before: (s: { readonly state: ServiceState; readonly currentNodeId: string | null }) => Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly message: string;
}

/**
 * The records ServiceRunner keeps while it starts and stops a service: its state, its resources'
 * placements and their events, each written under the service's claim (the row's claimed_by).
 */
export class ServiceRecords {
  constructor(private readonly store: Store) {}

  async load(scope: TenantScope, serviceId: string): Promise<LoadedService> {
    const service = await this.store.repos.services.get(scope, serviceId);
    const [cluster, nodes, resources] = await Promise.all([
      this.store.repos.clusters.get(scope, service.clusterId),
      this.store.repos.nodes.find(scope, { clusterId: service.clusterId }),
      this.store.repos.resources.find(scope, { serviceId }),
    ]);
    return { service, cluster, nodes, resources };
  }

  /** Locks the service row and checks the claim is still this actor's. */
  async lockOwned(repos: Repositories, claim: ServiceClaim): Promise<ServiceEntity> {
    const s = await repos.services.lock(claim.scope, claim.serviceId);
    if (s.claimedBy !== claim.owner) throw new ClaimLostError(claim.serviceId, claim.owner);
    return s;
  }

  /** Moves the service to a new state in `repos` (the caller's transaction), with its event. */
  async transitionIn(repos: Repositories, claim: ServiceClaim, t: ServiceTransition): Promise<void> {
    const s = await this.lockOwned(repos, claim);
    const before = t.before({ state: s.state, currentNodeId: s.currentNodeId ?? null });
    const priorNode = s.currentNodeId ?? null;
    s.state = t.state;
    if (t.currentNodeId !== undefined) s.currentNodeId = t.currentNodeId;
    await repos.services.update(claim.scope, s.id, { state: s.state, currentNodeId: s.currentNodeId });
    await appendEvent(repos, claim.scope, {
      clusterId: s.clusterId,
      type: t.type,
      objectType: 'Service',
      objectId: s.id,
      serviceId: s.id,
      nodeId: t.nodeId === undefined ? priorNode : t.nodeId,
      before,
      after: t.after,
      message: t.message,
    });
  }

  /** The same in a transaction of its own. */
  transition(claim: ServiceClaim, t: ServiceTransition): Promise<void> {
    return this.store.transaction((repos) => this.transitionIn(repos, claim, t));
  }

  /** Records that the resource is (to be) on `nodeId`: the write-ahead before a start, or the finding that a VM runs there. */
  async place(claim: ServiceClaim, resource: ResourceEntity, nodeId: string, ref: string | null, alreadyRunning: boolean): Promise<void> {
    const scope = claim.scope;
    await this.store.transaction(async (repos) => {
      await this.lockOwned(repos, claim);
      const r = await repos.resources.lock(scope, resource.id);
      const before = r.placedNodeId ?? null;
      if (before === nodeId && !alreadyRunning) return;
      r.placedNodeId = nodeId;
      if (before !== nodeId) await repos.resources.update(scope, r.id, { placedNodeId: r.placedNodeId ?? null });
      await appendEvent(repos, scope, {
        clusterId: r.clusterId,
        type: alreadyRunning ? 'resource.started' : 'resource.placed',
        objectType: 'Resource',
        objectId: r.id,
        serviceId: r.serviceId,
        nodeId,
        before: { placedNodeId: before },
        after: alreadyRunning ? { placedNodeId: nodeId, vmRef: ref, action: 'ALREADY_RUNNING' } : { placedNodeId: nodeId, vmRef: ref },
        message: alreadyRunning ? `VM ${ref} already active on the target: no start needed` : `${ref !== null ? `VM ${ref}` : `${resource.type} ${resource.name}`} placed on the target before its start (write-ahead)`,
      });
    });
  }

  async resourceEvent(scope: TenantScope, resource: ResourceEntity, nodeId: string | null, type: EventTypeOf<'Resource'>, after: Record<string, unknown>, message: string): Promise<void> {
    await this.store.transaction((repos) =>
      appendEvent(repos, scope, {
        clusterId: resource.clusterId,
        type,
        objectType: 'Resource',
        objectId: resource.id,
        serviceId: resource.serviceId,
        nodeId,
        after,
        message: message.slice(0, 1024),
      }),
    );
  }

  /** Records a resource stopped on `nodeId`: its placement there cleared, and the event. */
  async recordStopped(scope: TenantScope, resourceId: string, nodeId: string, after: Record<string, unknown>, message: string): Promise<void> {
    await this.store.transaction(async (repos) => {
      const r = await repos.resources.lock(scope, resourceId);
      const before = r.placedNodeId ?? null;
      const cleared = before === nodeId;
      if (cleared) await repos.resources.update(scope, r.id, { placedNodeId: null });
      await appendEvent(repos, scope, {
        clusterId: r.clusterId,
        type: 'resource.stopped',
        objectType: 'Resource',
        objectId: r.id,
        serviceId: r.serviceId,
        nodeId,
        before: { placedNodeId: before },
        after: { placedNodeId: cleared ? null : before, ...after },
        message: message.slice(0, 1024),
      });
    });
  }
}

/**
 * The nodes worth asking where a VM runs: all but those a fence has powered off (status FENCED
 * until they rejoin), which run nothing and whose dead host would only make every start wait for
 * its deadline. A failed node that was not fenced is asked: it may still run the VM.
 */
export function searchable(nodes: readonly NodeEntity[], keep?: string): NodeEntity[] {
  return nodes.filter((n) => n.status !== NodeStatus.FENCED || n.id === keep);
}

export function refsOf(resources: readonly ResourceEntity[]): string[] {
  return resources.map(vmRefOf).filter((r): r is string => r !== null);
}

/** A non-VM resource as its node agent receives it: its identity and its type's spec (commands, address, volume), nothing sealed. */
export function agentResource(resource: Pick<ResourceEntity, 'id' | 'name' | 'type' | 'spec'>): { id: string; name: string; type: AgentResourceType; spec: Record<string, unknown> } {
  const type = resource.type as AgentResourceType;
  const spec = readResourceSpec(type, resource.spec)[SPEC_FIELD[type]] ?? {};
  return { id: resource.id, name: resource.name, type, spec: { ...spec } };
}
