import {
  FailoverDomainSpec,
  NodeStatus,
  PlacementNode,
  RecoveryService,
  recoveryServiceOf,
  ResourceType,
  ServiceRecoveryState,
  ServiceState,
  TenantScope,
} from '@haaas/domain';
import { anyOf } from '@haaas/persistence';
import type { ClusterEntity, NodeEntity, Repositories, ResourceEntity, ServiceEntity } from '@haaas/persistence';
import { readResourceSpec } from '@haaas/management';
import { HeardFrom, heardWithin, livenessUnknownForMs, NodeLiveness } from './node-liveness';
import { vmSizeOf, VmSize } from './vm-size.util';

/** Service states in which a service holds capacity where it is. */
const HOLDS_CAPACITY: ReadonlySet<ServiceState> = new Set([ServiceState.STARTED, ServiceState.STARTING, ServiceState.STOPPING, ServiceState.RECOVERING]);

/** The VM ref of a VM resource (its hypervisorRef), or null for other types or an empty spec. */
export function vmRefOf(resource: Pick<ResourceEntity, 'type' | 'spec'>): string | null {
  if (resource.type !== ResourceType.VM) return null;
  const ref = readResourceSpec(ResourceType.VM, resource.spec).vm?.hypervisorRef ?? '';
  return ref === '' ? null : ref;
}

/** Resources of a service in start order: position ascending (unpositioned last), then id. */
export function startOrder<R extends Pick<ResourceEntity, 'id' | 'position'>>(resources: readonly R[]): R[] {
  const pos = (r: R): number => (r.position === null ? Number.MAX_SAFE_INTEGER : r.position);
  return [...resources].sort((a, b) => pos(a) - pos(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** What placement, the plan and failback read of a service (no attributes, no claim). */
export const SERVICE_FACTS = [
  'id',
  'clusterId',
  'name',
  'state',
  'currentNodeId',
  'failoverDomainId',
  'priority',
  'recoveryAction',
  'startTimeoutSeconds',
  'stopTimeoutSeconds',
  'maxRestarts',
  'restartWindowSeconds',
  'maxRelocations',
  'autostart',
  'antiAffinityGroup',
  'recoveryTimeObjectiveSeconds',
] as const satisfies readonly (keyof ServiceEntity)[];
export type ServiceFacts = Pick<ServiceEntity, (typeof SERVICE_FACTS)[number]>;

/** What they read of a node (no endpoint, no secrets). */
export const NODE_FACTS = ['id', 'clusterId', 'hostname', 'kind', 'status', 'maintenance', 'reserved', 'cpus', 'memoryMb', 'statusChangedAt'] as const satisfies readonly (keyof NodeEntity)[];
export type NodeFacts = Pick<NodeEntity, (typeof NODE_FACTS)[number]>;

/** What they read of a resource: its size and where it is, never its kept definition. */
export const RESOURCE_FACTS = ['id', 'serviceId', 'type', 'position', 'placedNodeId', 'attributes', 'vmCpus', 'vmMemoryMb', 'vmDefinitionFormat'] as const satisfies readonly (keyof ResourceEntity)[];
export type ResourceFacts = Pick<ResourceEntity, (typeof RESOURCE_FACTS)[number]> & Pick<ResourceEntity, 'vmDefinition'>;

/**
 * One read of a cluster as placement and the recovery plan need it: nodes with what they carry,
 * services with their sizes and failover domains. A service counts on every node it is on or
 * bound for: its current node, the nodes its VMs were placed on (write-ahead), and the targets of
 * recoveries in flight, so concurrent placements see each other's choices.
 */
/** The rows' indexes and the services' sizes: built once per read, shared by the views made from it (withTargets). */
class ClusterIndex {
  readonly nodesById: ReadonlyMap<string, NodeFacts>;
  readonly servicesById: ReadonlyMap<string, ServiceFacts>;
  readonly resourcesByService = new Map<string, ResourceFacts[]>();
  readonly sizes = new Map<string, VmSize>();

  constructor(nodes: readonly NodeFacts[], services: readonly ServiceFacts[], resources: readonly ResourceFacts[]) {
    this.nodesById = new Map(nodes.map((n) => [n.id, n]));
    this.servicesById = new Map(services.map((s) => [s.id, s]));
    for (const r of resources) {
      if (r.serviceId === null) continue;
      const list = this.resourcesByService.get(r.serviceId) ?? [];
      list.push(r);
      this.resourcesByService.set(r.serviceId, list);
    }
  }
}

export class ClusterView {
  readonly nodesById: ReadonlyMap<string, NodeFacts>;
  readonly servicesById: ReadonlyMap<string, ServiceFacts>;
  private readonly resourcesByService: ReadonlyMap<string, ResourceFacts[]>;
  private readonly sizes: Map<string, VmSize>;

  constructor(
    readonly cluster: ClusterEntity,
    readonly nodes: readonly NodeFacts[],
    readonly services: readonly ServiceFacts[],
    resources: readonly ResourceFacts[],
    readonly domains: ReadonlyMap<string, FailoverDomainSpec>,
    /** Service id → nodes it is bound for by a recovery or operation in flight. */
    private readonly inFlightTargets: ReadonlyMap<string, readonly string[]> = new Map(),
    private readonly index: ClusterIndex = new ClusterIndex(nodes, services, resources),
    /** When the nodes were last heard from: an ONLINE node silent for longer than the deadtime is no target. Null: not known (the rows alone). */
    readonly heard: HeardFrom | null = null,
  ) {
    this.nodesById = index.nodesById;
    this.servicesById = index.servicesById;
    this.resourcesByService = index.resourcesByService;
    this.sizes = index.sizes;
  }

  /** Sum over the service's VMs. */
  sizeOf(serviceId: string): VmSize {
    let size = this.sizes.get(serviceId);
    if (!size) {
      size = { cpus: 0, memoryMb: 0 };
      for (const r of this.resourcesByService.get(serviceId) ?? []) {
        if (r.type !== ResourceType.VM) continue;
        const s = vmSizeOf(r);
        size = { cpus: size.cpus + s.cpus, memoryMb: size.memoryMb + s.memoryMb };
      }
      this.sizes.set(serviceId, size);
    }
    return size;
  }

  /** Every node the service is on or bound for. */
  locationsOf(service: ServiceFacts): Set<string> {
    const at = new Set<string>();
    if (service.currentNodeId && HOLDS_CAPACITY.has(service.state)) at.add(service.currentNodeId);
    for (const r of this.resourcesByService.get(service.id) ?? []) if (r.placedNodeId) at.add(r.placedNodeId);
    for (const n of this.inFlightTargets.get(service.id) ?? []) at.add(n);
    return at;
  }

  /**
   * The same cluster with more nodes some services are bound for (a recovery's targets decided
   * since this view was read): placement counts them as `locationsOf` counts in-flight targets.
   * Rows, their indexes and the services' sizes are shared, not rebuilt.
   */
  withTargets(targets: ReadonlyMap<string, readonly string[]>): ClusterView {
    const merged = new Map(this.inFlightTargets);
    for (const [serviceId, nodes] of targets) merged.set(serviceId, [...new Set([...(merged.get(serviceId) ?? []), ...nodes])]);
    return new ClusterView(this.cluster, this.nodes, this.services, [], this.domains, merged, this.index, this.heard);
  }

  /** Services that ran on `nodeId`: current node there, or a VM placed there. */
  servicesOn(nodeId: string): ServiceFacts[] {
    return this.services.filter((s) => s.currentNodeId === nodeId || (this.resourcesByService.get(s.id) ?? []).some((r) => r.placedNodeId === nodeId));
  }

  /**
   * ONLINE nodes (not in maintenance) whose liveness is unknown, not lost: not heard from since
   * the cluster's heartbeat record began, less than a deadtime ago (see `livenessUnknownForMs`),
   * with the longest of their waits (ms). Null when there is none.
   */
  livenessUnknown(): { readonly nodeIds: string[]; readonly waitMs: number } | null {
    if (this.heard === null) return null;
    const deadtimeMs = this.cluster.deadtimeSeconds * 1000;
    const nodeIds: string[] = [];
    let waitMs = 0;
    for (const n of this.nodes) {
      if (n.status !== NodeStatus.ONLINE || n.maintenance) continue;
      const left = livenessUnknownForMs(this.heard, n.id, deadtimeMs);
      if (left === null) continue;
      nodeIds.push(n.id);
      waitMs = Math.max(waitMs, left);
    }
    return nodeIds.length > 0 ? { nodeIds, waitMs } : null;
  }

  /**
   * The cluster's nodes as placement sees them, with what every service takes where it is.
   * `assumeLive`: nodes taken as heard from (to ask whether a node of unknown liveness would be a
   * candidate once it beats).
   */
  placementNodes(assumeLive: ReadonlySet<string> = new Set()): PlacementNode[] {
    const used = new Map<string, { cpus: number; memoryMb: number; groups: Set<string> }>();
    for (const s of this.services) {
      const size = this.sizeOf(s.id);
      for (const nodeId of this.locationsOf(s)) {
        const u = used.get(nodeId) ?? { cpus: 0, memoryMb: 0, groups: new Set<string>() };
        u.cpus += size.cpus;
        u.memoryMb += size.memoryMb;
        if (s.antiAffinityGroup) u.groups.add(s.antiAffinityGroup);
        used.set(nodeId, u);
      }
    }
    const deadtimeMs = this.cluster.deadtimeSeconds * 1000;
    return this.nodes.map((n) => {
      const u = used.get(n.id);
      return {
        id: n.id,
        status: n.status,
        maintenance: n.maintenance,
        // ONLINE in the rows but not heard from within the deadtime (a grace period delays its
        // declaration, never makes it a target): placement rejects it as SUSPECT
        suspect: this.heard !== null && n.status === NodeStatus.ONLINE && !assumeLive.has(n.id) && !heardWithin(this.heard, n.id, deadtimeMs),
        // spare hosts come last (or first, by the recovery's reserved-hosts mode)
        reserved: n.reserved ?? false,
        capacityCpus: n.cpus,
        capacityMemoryMb: n.memoryMb,
        usedCpus: u?.cpus ?? 0,
        usedMemoryMb: u?.memoryMb ?? 0,
        antiAffinityGroups: u ? [...u.groups] : [],
      };
    });
  }

  /** A service as placement and the plan see it. */
  recoveryService(service: ServiceFacts, triedNodeIds?: readonly string[]): RecoveryService {
    const size = this.sizeOf(service.id);
    return recoveryServiceOf({
      id: service.id,
      policy: {
        failoverDomainId: service.failoverDomainId,
        priority: service.priority,
        recoveryAction: service.recoveryAction,
        startTimeoutSeconds: service.startTimeoutSeconds,
        stopTimeoutSeconds: service.stopTimeoutSeconds,
        maxRestarts: service.maxRestarts,
        restartWindowSeconds: service.restartWindowSeconds,
        maxRelocations: service.maxRelocations,
        autostart: service.autostart,
        antiAffinityGroup: service.antiAffinityGroup,
        recoveryTimeObjectiveSeconds: service.recoveryTimeObjectiveSeconds,
      },
      domain: service.failoverDomainId ? (this.domains.get(service.failoverDomainId) ?? null) : null,
      cpus: size.cpus,
      memoryMb: size.memoryMb,
      ...(triedNodeIds ? { triedNodeIds } : {}),
    });
  }
}

/** In-flight states of a service recovery: its target holds capacity before the service runs there. */
const IN_FLIGHT_RECOVERY: readonly ServiceRecoveryState[] = [ServiceRecoveryState.STARTING, ServiceRecoveryState.RETRYING];

/** Domains by id, with their members, for the given domain ids. */
async function loadDomains(repos: Repositories, scope: TenantScope, domainRows: readonly { id: string; ordered: boolean; restricted: boolean; nofailback: boolean }[]): Promise<Map<string, FailoverDomainSpec>> {
  const members = await repos.domainMembers.forDomains(
    scope,
    domainRows.map((d) => d.id),
  );
  return new Map<string, FailoverDomainSpec>(
    domainRows.map((d) => [
      d.id,
      {
        id: d.id,
        ordered: d.ordered,
        restricted: d.restricted,
        nofailback: d.nofailback,
        members: members.filter((m) => m.domainId === d.id).map((m) => ({ nodeId: m.nodeId, priority: m.priority })),
      },
    ]),
  );
}

/** Resources as the view reads them, with the definitions of VMs kept before sizes were recorded. */
async function loadResourceFacts(repos: Repositories, scope: TenantScope, where: { clusterId: string } | { serviceId: string }): Promise<ResourceFacts[]> {
  const rows = await repos.resources.select(scope, where, RESOURCE_FACTS);
  const unsized = rows.filter((r) => r.type === ResourceType.VM && r.vmCpus == null && r.vmMemoryMb == null && r.vmDefinitionFormat != null).map((r) => r.id);
  const definitions = new Map(unsized.length > 0 ? (await repos.resources.select(scope, { id: anyOf(unsized) }, ['id', 'vmDefinition'])).map((r) => [r.id, r.vmDefinition ?? null]) : []);
  return rows.map((r) => ({ ...r, vmDefinition: definitions.get(r.id) ?? null }));
}

/**
 * Reads a cluster's nodes, services, resources and domains (and the targets of recoveries in
 * flight) in a few statements, as plain rows of the columns placement needs: recovery reads this
 * under the incident's lock for every service it places, so a thousand-service cluster must cost
 * milliseconds (entity objects and the VMs' definitions made it ~40 ms).
 */
export async function loadClusterView(repos: Repositories, scope: TenantScope, clusterId: string, liveness?: NodeLiveness | null): Promise<ClusterView> {
  const [cluster, nodes, services, resources, domainRows, heard] = await Promise.all([
    repos.clusters.get(scope, clusterId),
    repos.nodes.select(scope, { clusterId }, NODE_FACTS),
    repos.services.select(scope, { clusterId }, SERVICE_FACTS),
    loadResourceFacts(repos, scope, { clusterId }),
    repos.failoverDomains.find(scope, { clusterId }),
    liveness ? liveness.heardFrom(scope, clusterId) : Promise.resolve(null),
  ]);
  const domains = await loadDomains(repos, scope, domainRows);
  const serviceIds = new Set(services.map((s) => s.id));
  const active = await repos.serviceRecoveries.select(scope, { state: anyOf(IN_FLIGHT_RECOVERY) }, ['serviceId', 'targetNodeId']);
  const targets = new Map<string, string[]>();
  for (const r of active) {
    if (!serviceIds.has(r.serviceId) || !r.targetNodeId) continue;
    targets.set(r.serviceId, [...(targets.get(r.serviceId) ?? []), r.targetNodeId]);
  }
  return new ClusterView(cluster, nodes, services, resources, domains, targets, undefined, heard);
}
