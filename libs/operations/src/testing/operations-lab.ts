import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { type LibvirtHosts, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { ClusterState, DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, ResourceType, TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { deadline, HypervisorAdapter } from '@haaas/hypervisor';
import { ClusterService, FailoverDomainService, FencingExecutor, NodeService, QuotaService, ResourceService, ServiceGroupService } from '@haaas/management';
import type { ServicePolicyChange } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { AgentNodeResourceDriver, NodeActionBroker } from '@haaas/node-actions';
import { LiveSignalPublisher } from '../live/live-signals';
import { labOperationRunHandler } from './lab-run-handler';
import { OperationsService } from '../operations.service';
import { OperationKind, OperationState } from '../operation.types';

export interface OperationsLabOptions {
  /** Names of the simulated KVM hosts (libvirtd test driver), each joined as a node, ONLINE for an hour. */
  readonly hosts: readonly string[];
  /** A fresh database (the test helpers' createTestDatabase). */
  readonly database: () => Promise<{ readonly url: string; drop(): Promise<void> }>;
  /** A Redis database of the test file's own (flushed). */
  readonly redisUrl: string;
  readonly clusterName: string;
}

export interface OperationsLab {
  readonly scope: TenantScope;
  readonly peer: LibvirtHosts;
  readonly store: Store;
  readonly commands: Redis;
  readonly operations: OperationsService;
  readonly nodes: NodeService;
  readonly adapters: ReadonlyMap<Hypervisor, HypervisorAdapter>;
  readonly clusterId: string;
  readonly dbUrl: string;
  /** The node id of a host. */
  id(host: string): string;
  /** What the failure detector writes when a node changes status: the status and when. */
  setStatus(host: string, status: NodeStatus, atMs?: number): Promise<void>;
  /** The operation once SUCCEEDED or FAILED. */
  settled(opId: string, timeoutMs?: number): Promise<OperationEntity>;
  /** The hosts where a VM runs, as a bare virsh on each says. */
  runningOn(vm: string): Promise<string[]>;
  /** A failover domain of every host, in the order given (member priority 1 first). */
  domain(name: string, ordered: boolean, nofailback: boolean): Promise<string>;
  /** A started service with one VM (defined on the first host, its definition kept for the others), moved to `host`. */
  serviceOn(name: string, domainId: string, host: string, policy?: ServicePolicyChange): Promise<{ serviceId: string; vm: string }>;
  stop(): Promise<void>;
}

const sealer = { seal: (s: string) => s, open: (s: string) => s };

/**
 * Operations below the API on real peers, as the operations' integration tests need them: MariaDB,
 * Redis and BullMQ workers running the `operation.run` handler, simulated KVM hosts (libvirtd test
 * driver) joined as the nodes of one STARTED cluster of tenant alice.
 */
export async function startOperationsLab(o: OperationsLabOptions): Promise<OperationsLab> {
  const scope = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
  const peer = await startLibvirtHosts({ hosts: [...o.hosts] });
  const db = await o.database();
  await runMigrations({ url: db.url });
  const ds = await openDataSource({ url: db.url });
  const store = new Store(ds);
  const commands = new Redis(o.redisUrl, { maxRetriesPerRequest: 3 });
  const workerRedis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  await commands.flushdb();
  const producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const nodes = new NodeService(store, quota, sealer);
  const resources = new ResourceService(store, quota);
  const services = new ServiceGroupService(store, quota);
  const domains = new FailoverDomainService(store);
  const operations = new OperationsService(store, producer, signals);
  const adapter = new KvmAdapter();
  const adapters = new Map<Hypervisor, HypervisorAdapter>([[Hypervisor.KVM, adapter]]);
  const handler = labOperationRunHandler({ store, signals, nodes, executor: new FencingExecutor(new FenceAgentRunner(), adapters), adapters, sealer, nodeResources: new AgentNodeResourceDriver(new NodeActionBroker(commands)), claimWaitMs: 5000 });
  const workers: Worker[] = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 4 });

  const clusterId = (await new ClusterService(store, quota).create(scope, { name: o.clusterName, hypervisor: Hypervisor.KVM })).id;
  const nodeIds = new Map<string, string>();
  const id = (host: string): string => nodeIds.get(host) ?? '';
  const setStatus = async (host: string, status: NodeStatus, atMs = Date.now()): Promise<void> => {
    await store.repos.nodes.update(scope, id(host), { status, statusChangedAt: new Date(atMs) });
  };
  for (const host of o.hosts) {
    const node = await nodes.join(scope, { clusterId, hostname: `${host.toLowerCase()}.example.com`, kind: NodeKind.PHYSICAL, endpoint: { uri: peer.host(host).uri }, capacity: { cpus: 16, memoryMb: 65536 } });
    nodeIds.set(host, node.id);
    await setStatus(host, NodeStatus.ONLINE, Date.now() - 3_600_000);
  }
  // HA active, as CLUSTER_START leaves it (its quorum checks are tested in operations.int-spec)
  await store.repos.clusters.update(scope, clusterId, { state: ClusterState.STARTED });

  const settled = async (opId: string, timeoutMs = 60_000): Promise<OperationEntity> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const op = await store.repos.operations.get(scope, opId);
      if (op.state === OperationState.SUCCEEDED || op.state === OperationState.FAILED) return op;
      if (Date.now() > until) throw new Error(`operation ${opId} still ${op.state} after ${timeoutMs} ms: ${JSON.stringify(op.steps)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const runningOn = async (vm: string): Promise<string[]> => {
    const out: string[] = [];
    for (const host of o.hosts) {
      const r = await peer.virsh(host, ['domstate', vm]);
      if (r.code === 0 && r.stdout.trim() === 'running') out.push(host);
    }
    return out;
  };
  return {
    scope,
    peer,
    store,
    commands,
    operations,
    nodes,
    adapters,
    clusterId,
    dbUrl: db.url,
    id,
    setStatus,
    settled,
    runningOn,
    async domain(name, ordered, nofailback) {
      const members = o.hosts.map((host, i) => ({ nodeId: id(host), priority: i + 1 }));
      return (await domains.create(scope, { clusterId, name, ordered, restricted: false, nofailback, members })).id;
    },
    async serviceOn(name, domainId, host, policy = {}) {
      const vm = `${name}-vm`;
      const xml = testDomainXml({ name: vm });
      const h = adapter.connect({ uri: peer.host(o.hosts[0] ?? '').uri });
      await h.registerVm({ ref: vm, format: 'libvirt-xml', data: xml }, { signal: deadline(10_000) });
      await h.close();
      const resource = await resources.create(scope, { clusterId, name: vm, type: ResourceType.VM, vm: { hypervisorRef: vm }, attributes: [{ key: 'cpus', value: '1' }] });
      await store.repos.resources.update(scope, resource.id, { vmDefinition: xml, vmDefinitionFormat: 'libvirt-xml' });
      const service = await services.create(scope, { clusterId, name, resources: [resource.id], policy: { priority: 500, failoverDomainId: domainId, ...policy } });
      const op = await settled((await operations.request(scope, { kind: OperationKind.SERVICE_RELOCATE, targetId: service.id, params: { targetNodeId: id(host) } })).id);
      if (op.state !== OperationState.SUCCEEDED) throw new Error(`lab: ${name} not moved to ${host}: ${op.error ?? JSON.stringify(op.steps)}`);
      const where = await runningOn(vm);
      if (where.length !== 1 || where[0] !== host) throw new Error(`lab: ${vm} runs on ${where.join(', ') || 'no host'}, not on ${host}`);
      return { serviceId: service.id, vm };
    },
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await commands.quit();
      await workerRedis.quit();
      await ds.destroy();
      await db.drop();
      await peer.stop();
    },
  };
}
