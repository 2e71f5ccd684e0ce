import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Hypervisor, NodeKind, NodeStatus, RecoveryAction, ResourceType, type TenantScope } from '@haaas/domain';
import type { SimulatedHost } from '@haaas/fencing/testing';
import { ClusterService, FencingDeviceService, NodeService, ResourceService, ServiceGroupService } from '@haaas/management';
import type { Store } from '@haaas/persistence';
import type { ServiceRunner } from '@haaas/engine-runtime';
import type { LabHeartbeats } from './lab-heartbeats';
import type { LabServiceOptions, Seeded, SeedOptions } from './lab-types';

/** What seeding a cluster and its services needs of the lab. */
export interface SeedContext {
  readonly app: INestApplicationContext;
  readonly scope: TenantScope;
  readonly store: Store;
  readonly runner: ServiceRunner;
  readonly failed: SimulatedHost;
  readonly survivors: readonly string[];
  readonly heartbeats: LabHeartbeats;
  uriOf(host: string): string;
  /** Defines a test-driver domain on a host. */
  define(host: string, vm: string, memoryMb: number): Promise<void>;
}

/** A cluster of node `a` (the failing host) and the survivors, all ONLINE and beating, `a` fenced as `o.fence` says. */
export async function seedLab(ctx: SeedContext, o: SeedOptions): Promise<Seeded> {
  const { app, scope, store } = ctx;
  const cluster = await app.get(ClusterService).create(scope, { name: `lab${randomBytes(3).toString('hex')}`, hypervisor: Hypervisor.KVM, policy: { fencingRequired: o.fencingRequired ?? true, ...(o.deadtimeSeconds !== undefined ? { deadtimeSeconds: o.deadtimeSeconds, heartbeatIntervalSeconds: 1 } : {}) } });
  const ids: Record<string, string> = {};
  for (const host of ['a', ...ctx.survivors]) {
    const node = await app.get(NodeService).join(scope, {
      clusterId: cluster.id,
      hostname: `${host}.${cluster.name}.example`,
      kind: NodeKind.PHYSICAL,
      endpoint: { uri: ctx.uriOf(host) },
      capacity: o.capacity ?? { cpus: 8, memoryMb: 8192 },
    });
    ids[host] = node.id;
  }
  // what the detector records for healthy nodes
  await store.transaction(async (repos) => {
    for (const id of Object.values(ids)) {
      const n = await repos.nodes.lock(scope, id);
      n.status = NodeStatus.ONLINE;
      await repos.nodes.save(scope, n);
    }
  });
  await addFencing(ctx, cluster.id, ids['a'] as string, o.fence ?? 'ipmi');
  await ctx.heartbeats.beatCluster(cluster.id, Object.values(ids));
  return { clusterId: cluster.id, nodes: ids };
}

async function addFencing(ctx: SeedContext, clusterId: string, nodeId: string, fence: NonNullable<SeedOptions['fence']>): Promise<void> {
  if (fence === 'none') return;
  const { scope, failed } = ctx;
  const devices = ctx.app.get(FencingDeviceService);
  const bmc = failed.bmc.fenceOptions();
  const add = async (name: string, password: string, level: number): Promise<void> => {
    const device = await devices.add(scope, {
      clusterId,
      name,
      agent: 'fence_ipmilan',
      options: Object.entries(bmc)
        .filter(([k]) => k !== 'password')
        .map(([key, value]) => ({ key, value })),
      secretOptions: [{ key: 'password', value: password }],
    });
    await devices.associate(scope, { deviceId: device.id, nodeId, level });
  };
  if (fence === 'wrong-then-ipmi' || fence === 'wrong') await add('bmc-a-wrong', `${failed.bmc.password}x`, 1);
  if (fence === 'ipmi' || fence === 'wrong-then-ipmi') await add('bmc-a', failed.bmc.password, fence === 'ipmi' ? 1 : 2);
}

/** A service of VMs defined and started on `o.on` (default `a`) through the real service runner. */
export async function addLabService(ctx: SeedContext, seeded: Seeded, name: string, o: LabServiceOptions): Promise<string> {
  const { app, scope, store, runner } = ctx;
  const on = o.on ?? 'a';
  const memoryMb = o.memoryMb ?? 512;
  const resourceIds: string[] = [];
  for (const vm of o.vms) {
    await ctx.define(on, vm, memoryMb);
    for (const other of o.alsoDefinedOn ?? []) await ctx.define(other, vm, memoryMb);
    const r = await app.get(ResourceService).create(scope, { clusterId: seeded.clusterId, name: `r-${vm}`, type: ResourceType.VM, vm: { hypervisorRef: vm } });
    resourceIds.push(r.id);
  }
  const service = await app.get(ServiceGroupService).create(scope, {
    clusterId: seeded.clusterId,
    name,
    resources: resourceIds,
    policy: {
      priority: o.priority ?? 500,
      maxRelocations: o.maxRelocations ?? 3,
      recoveryTimeObjectiveSeconds: o.rtoSeconds ?? null,
      antiAffinityGroup: o.antiAffinityGroup ?? null,
      failoverDomainId: o.failoverDomainId ?? null,
      recoveryAction: o.recoveryAction ?? RecoveryAction.RELOCATE,
      startTimeoutSeconds: 30,
      stopTimeoutSeconds: 5,
    },
  });
  const nodeId = seeded.nodes[on];
  if (!nodeId) throw new Error(`no host ${on}`);
  await runner.withClaim(scope, service.id, 'lab', (claim) => runner.start(claim, nodeId, { reason: 'lab: initial start' }));
  if (o.forgetDefinitions) {
    await store.transaction(async (repos) => {
      for (const id of resourceIds) {
        const r = await repos.resources.lock(scope, id);
        r.vmDefinition = null;
        r.vmDefinitionFormat = null;
        r.vmCpus = null;
        r.vmMemoryMb = null;
        await repos.resources.save(scope, r);
      }
    });
  }
  return service.id;
}
