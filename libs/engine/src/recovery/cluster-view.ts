import {
  FailoverDomainSpec,
  PlacementNode,
  RecoveryService,
  recoveryServiceOf,
  ResourceType,
  ServiceState,
  TenantScope,
} from '@haaas/domain';
import type { ClusterEntity, NodeEntity, Repositories, ResourceEntity, ServiceEntity } from '@haaas/persistence';
import { readResourceSpec } from '@haaas/management';
import { vmSizeOf, VmSize } from './vm-size.util';

/** Service states in which a service holds capacity where it is. */
const HOLDS_CAPACITY: ReadonlySet<ServiceState> = new Set([ServiceState.STARTED, ServiceState.STARTING, ServiceState.STOPPING, ServiceState.RECOVERING]);

/** The VM ref of a VM resource (its hypervisorRef), or null for other types or an empty spec. */
export function vmRefOf(resource: ResourceEntity): string | null {
  if (resource.type !== ResourceType.VM) return null;
  const ref = readResourceSpec(ResourceType.VM, resource.spec).vm?.hypervisorRef ?? '';
  return ref === '' ? null : ref;
}

/** Resources of a service in start order: position ascending (unpositioned last), then id. */
export function startOrder(resources: readonly ResourceEntity[]): ResourceEntity[] {
  const pos = (r: ResourceEntity): number => (r.position === null ? Number.MAX_SAFE_INTEGER : r.position);
  return [...resources].sort((a, b) => pos(a) - pos(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One read of a cluster as placement and the recovery plan need it: nodes with what they carry,
 * services with their sizes and failover domains. A service counts on every node it is on or
 * bound for: its current node, the nodes its VMs were placed on (write-ahead), and the targets of
 * recoveries in flight, so concurrent placements see each other's choices.
 */
export class ClusterView {
  readonly nodesById: ReadonlyMap<string, NodeEntity>;
  readonly servicesById: ReadonlyMap<string, ServiceEntity>;
  private readonly resourcesByService = new Map<string, ResourceEntity[]>();
  private readonly sizes = new Map<string, VmSize>();

  constructor(
    readonly cluster: ClusterEntity,
    readonly nodes: readonly NodeEntity[],
    readonly services: readonly ServiceEntity[],
    resources: readonly ResourceEntity[],
    readonly domains: ReadonlyMap<string, FailoverDomainSpec>,
    /** Service id → nodes it is bound for by a recovery or operation in flight. */
    private readonly inFlightTargets: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {
    this.nodesById = new Map(nodes.map((n) => [n.id, n]));
    this.servicesById = new Map(services.map((s) => [s.id, s]));
    for (const r of resources) {
      if (r.serviceId === null) continue;
      const list = this.resourcesByService.get(r.serviceId) ?? [];
      list.push(r);
      this.resourcesByService.set(r.serviceId, list);
    }
  }

  resourcesOf(serviceId: string): ResourceEntity[] {
    return startOrder(this.resourcesByService.get(serviceId) ?? []);
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
  locationsOf(service: ServiceEntity): Set<string> {
    const at = new Set<string>();
    if (service.currentNodeId && HOLDS_CAPACITY.has(service.state)) at.add(service.currentNodeId);
    for (const r of this.resourcesByService.get(service.id) ?? []) if (r.placedNodeId) at.add(r.placedNodeId);
    for (const n of this.inFlightTargets.get(service.id) ?? []) at.add(n);
    return at;
  }

  /** Services that ran on `nodeId`: current node there, or a VM placed there. */
  servicesOn(nodeId: string): ServiceEntity[] {
    return this.services.filter((s) => s.currentNodeId === nodeId || (this.resourcesByService.get(s.id) ?? []).some((r) => r.placedNodeId === nodeId));
  }

  /** The cluster's nodes as placement sees them, with what every service takes where it is. */
  placementNodes(): PlacementNode[] {
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
    return this.nodes.map((n) => {
      const u = used.get(n.id);
      return {
        id: n.id,
        status: n.status,
        maintenance: n.maintenance,
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
  recoveryService(service: ServiceEntity, triedNodeIds?: readonly string[]): RecoveryService {
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
const IN_FLIGHT_RECOVERY = ['STARTING', 'RETRYING'];

/** Reads a cluster's nodes, services, resources and domains (and the targets of recoveries in flight) in a few statements. */
export async function loadClusterView(repos: Repositories, scope: TenantScope, clusterId: string): Promise<ClusterView> {
  const [cluster, nodes, services, resources, domainRows] = await Promise.all([
    repos.clusters.get(scope, clusterId),
    repos.nodes.find(scope, { clusterId }),
    repos.services.find(scope, { clusterId }),
    repos.resources.find(scope, { clusterId }),
    repos.failoverDomains.find(scope, { clusterId }),
  ]);
  const members = await repos.domainMembers.forDomains(
    scope,
    domainRows.map((d) => d.id),
  );
  const domains = new Map<string, FailoverDomainSpec>(
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
  const serviceIds = new Set(services.map((s) => s.id));
  const active = await repos.serviceRecoveries.findIn(scope, 'state', IN_FLIGHT_RECOVERY);
  const targets = new Map<string, string[]>();
  for (const r of active) {
    if (!serviceIds.has(r.serviceId) || !r.targetNodeId) continue;
    targets.set(r.serviceId, [...(targets.get(r.serviceId) ?? []), r.targetNodeId]);
  }
  return new ClusterView(cluster, nodes, services, resources, domains, targets);
}
