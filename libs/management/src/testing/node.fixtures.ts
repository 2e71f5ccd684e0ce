import { randomBytes } from 'node:crypto';
import { Hypervisor, NodeKind, TenantScope } from '@haaas/domain';
import type { EventEntity, NodeEntity } from '@haaas/persistence';
import type { JoinNode } from '../inventory/node.service';
import { alice, bob, Harness, startHarness } from './management.harness';

// distinctive enough that finding it anywhere means it leaked
export const PASSWORD = 'Pw-3f9c1e7a-plaintext-canary';
export const NEW_PASSWORD = 'Pw-a81d44b2-second-canary';

/**
 * The world of node.service.int-spec.ts (split off for the spec's length): a harness, alice's KVM
 * and vSphere clusters, bob's KVM cluster, and the helpers its tests share. Call in beforeAll, with
 * `afterAll(() => h?.close())`.
 */
export interface NodeWorld {
  readonly h: Harness;
  readonly kvm: string;
  readonly vsphere: string;
  readonly bobCluster: string;
  /** Joins a node with a fresh host name to alice's KVM cluster unless `over` says otherwise. */
  join(scope: TenantScope, over?: Partial<JoinNode>): Promise<NodeEntity>;
  /** Every row of the tenant's tables, to show that a failed call wrote nothing. */
  snapshotOf(scope: TenantScope): Promise<string>;
  eventsOf(scope: TenantScope, objectId: string): Promise<EventEntity[]>;
}

export async function startNodeWorld(): Promise<NodeWorld> {
  const h = await startHarness();
  const kvm = (await h.clusters.create(alice, { name: 'kvm', hypervisor: Hypervisor.KVM })).id;
  const vsphere = (await h.clusters.create(alice, { name: 'vsphere', hypervisor: Hypervisor.VSPHERE })).id;
  const bobCluster = (await h.clusters.create(bob, { name: 'kvm', hypervisor: Hypervisor.KVM })).id;

  const join = (scope: TenantScope, over: Partial<JoinNode> = {}): Promise<NodeEntity> =>
    h.nodes.join(scope, {
      clusterId: kvm,
      hostname: `kvm-${randomBytes(3).toString('hex')}.example.com`,
      kind: NodeKind.PHYSICAL,
      endpoint: { uri: 'qemu+ssh://root@kvm.example.com/system', username: 'root' },
      capacity: { cpus: 32, memoryMb: 131072 },
      ...over,
    });
  const snapshotOf = (scope: TenantScope) => h.tenantRows(scope, ['nodes', 'events', 'services', 'failover_domain_members']);
  const eventsOf = (scope: TenantScope, objectId: string) => h.store.repos.events.find(scope, { objectId });

  return { h, kvm, vsphere, bobCluster, join, snapshotOf, eventsOf };
}
