import { Hypervisor, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import type { NodeEntity, ResourceEntity } from '@haaas/persistence';
import { alice, bob, createNode, Harness, startHarness } from './management.harness';

/**
 * The world of service-group.service.int-spec.ts (split off for the spec's length): a harness, alice's
 * clusters `c1` (one node, one ordered domain) and `c2` (one empty domain), bob's cluster, and the
 * helpers its tests share. Call in beforeAll, with `afterAll(() => h?.close())`.
 */
export interface ServiceGroupWorld {
  readonly h: Harness;
  readonly c1: string;
  readonly c2: string;
  readonly bobCluster: string;
  readonly node1: NodeEntity;
  readonly domain1: string;
  readonly domainOfC2: string;
  /** A free VM resource with a fresh name. */
  makeResource(scope: TenantScope, clusterId: string, prefix?: string): Promise<ResourceEntity>;
  /** Resource ids of a service in stored start order, with their positions. */
  stored(serviceId: string): Promise<[string, number | null][]>;
  /** Puts alice's service in a state directly (no operation), as a worker would. */
  setState(serviceId: string, state: ServiceState, currentNodeId?: string | null): Promise<void>;
  /** The tenant's services, events and resource assignments: the same before and after shows nothing was written. */
  counts(scope: TenantScope): Promise<{ services: number; events: number; assigned: string[] }>;
}

export async function startServiceGroupWorld(): Promise<ServiceGroupWorld> {
  const h = await startHarness();
  const c1 = (await h.clusters.create(alice, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
  const c2 = (await h.clusters.create(alice, { name: 'dr', hypervisor: Hypervisor.KVM })).id;
  const bobCluster = (await h.clusters.create(bob, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
  const node1 = await createNode(h, alice, c1, 'kvm1.example.com');
  const domain1 = (await h.domains.create(alice, { clusterId: c1, name: 'primary', ordered: true, members: [{ nodeId: node1.id, priority: 1 }] })).id;
  const domainOfC2 = (await h.domains.create(alice, { clusterId: c2, name: 'dr-domain' })).id;
  let seq = 0;

  async function makeResource(scope: TenantScope, clusterId: string, prefix = 'vm'): Promise<ResourceEntity> {
    seq += 1;
    return h.store.transaction((repos) =>
      repos.resources.create(scope, {
        clusterId,
        name: `${prefix}-${seq}`,
        type: ResourceType.VM,
        spec: { domain: `${prefix}-${seq}` },
        serviceId: null,
        position: null,
        attributes: {},
      }),
    );
  }

  async function stored(serviceId: string): Promise<[string, number | null][]> {
    const rows = await h.store.repos.resources.find(alice, { serviceId }, { position: 'ASC' });
    return rows.map((r) => [r.id, r.position]);
  }

  async function setState(serviceId: string, state: ServiceState, currentNodeId: string | null = null): Promise<void> {
    await h.store.transaction(async (repos) => {
      const s = await repos.services.lock(alice, serviceId);
      s.state = state;
      s.currentNodeId = currentNodeId;
      await repos.services.save(alice, s);
    });
  }

  const counts = async (scope: TenantScope) => ({
    services: await h.store.repos.services.count(scope),
    events: await h.store.repos.events.count(scope),
    assigned: (await h.store.repos.resources.find(scope)).filter((r) => r.serviceId !== null).map((r) => `${r.id}@${r.serviceId}:${r.position}`).sort(),
  });

  return { h, c1, c2, bobCluster, node1, domain1, domainOfC2, makeResource, stored, setState, counts };
}
