import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { ClusterState, DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, RecoveryAction, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { deadline, HypervisorAdapter } from '@haaas/hypervisor';
import { ClusterService, FailoverDomainService, FencingExecutor, NodeService, QuotaService, ResourceService, ServiceGroupService } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { LiveSignalPublisher } from './live/live-signals';
import { AgentNodeResourceDriver, NodeActionBroker } from '../node-actions';
import { createOperationRunHandler } from './operations.module';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';
import { SERVICE_WATCH_ACTOR, ServiceWatch } from './service-watch';

/**
 * The service watch end to end below the API: real MariaDB, Redis and BullMQ workers, three
 * simulated KVM hosts (libvirtd test driver). VMs are destroyed behind HAaaS's back with a bare
 * virsh on their host, and where they run is read back the same way.
 */
const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
const sealer = { seal: (s: string) => s, open: (s: string) => s };
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let peer: LibvirtHosts;
let db: TestDatabase;
let ds: DataSource;
let store: Store;
let commands: Redis;
let workerRedis: Redis;
let producer: JobProducer;
let workers: Worker[] = [];
let operations: OperationsService;
let resources: ResourceService;
let services: ServiceGroupService;
let domains: FailoverDomainService;
let nodes: NodeService;
const adapter = new KvmAdapter();
const adapters = new Map<Hypervisor, HypervisorAdapter>([[Hypervisor.KVM, adapter]]);
const HOSTS = ['swA', 'swB', 'swC'] as const;
const nodeIds: Record<string, string> = {};
let clusterId: string;
const id = (host: string): string => nodeIds[host] ?? '';

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: [...HOSTS] });
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  const url = testRedisUrl(5);
  commands = new Redis(url, { maxRetriesPerRequest: 3 });
  workerRedis = new Redis(url, { maxRetriesPerRequest: null });
  await commands.flushdb();
  producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const clusters = new ClusterService(store, quota);
  nodes = new NodeService(store, quota, sealer);
  resources = new ResourceService(store, quota);
  services = new ServiceGroupService(store, quota);
  domains = new FailoverDomainService(store);
  operations = new OperationsService(store, producer, signals);
  const handler = createOperationRunHandler({ store, signals, nodes, executor: new FencingExecutor(new FenceAgentRunner(), adapters), adapters, sealer, nodeResources: new AgentNodeResourceDriver(new NodeActionBroker(commands)), claimWaitMs: 5000 });
  workers = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 4 });

  clusterId = (await clusters.create(alice, { name: 'sw', hypervisor: Hypervisor.KVM })).id;
  for (const host of HOSTS) {
    const node = await nodes.join(alice, { clusterId, hostname: `${host.toLowerCase()}.example.com`, kind: NodeKind.PHYSICAL, endpoint: { uri: peer.host(host).uri }, capacity: { cpus: 16, memoryMb: 65536 } });
    nodeIds[host] = node.id;
    await setStatus(host, NodeStatus.ONLINE, Date.now() - 3_600_000);
  }
  // HA active, as CLUSTER_START leaves it (its quorum checks are tested in operations.int-spec)
  await store.transaction(async (repos) => {
    const c = await repos.clusters.lock(alice, clusterId);
    c.state = ClusterState.STARTED;
    await repos.clusters.save(alice, c);
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await producer?.close();
  await commands?.quit();
  await workerRedis?.quit();
  await ds?.destroy();
  await db?.drop();
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
});

/** What the failure detector writes when a node changes status: the status and when. */
async function setStatus(host: string, status: NodeStatus, atMs = Date.now()): Promise<void> {
  await store.transaction(async (repos) => {
    const n = await repos.nodes.lock(alice, id(host));
    n.status = status;
    n.statusChangedAt = new Date(atMs);
    await repos.nodes.save(alice, n);
  });
}

async function settled(opId: string, timeoutMs = 60_000): Promise<OperationEntity> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const op = await store.repos.operations.get(alice, opId);
    if (op.state === OperationState.SUCCEEDED || op.state === OperationState.FAILED) return op;
    if (Date.now() > until) throw new Error(`operation ${opId} still ${op.state} after ${timeoutMs} ms: ${JSON.stringify(op.steps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runningOn(vm: string): Promise<string[]> {
  const out: string[] = [];
  for (const host of HOSTS) {
    const r = await peer.virsh(host, ['domstate', vm]);
    if (r.code === 0 && r.stdout.trim() === 'running') out.push(host);
  }
  return out;
}

async function domain(name: string, ordered: boolean, nofailback: boolean): Promise<string> {
  const members = [
    { nodeId: id('swA'), priority: 1 },
    { nodeId: id('swB'), priority: 2 },
    { nodeId: id('swC'), priority: 3 },
  ];
  return (await domains.create(alice, { clusterId, name, ordered, restricted: false, nofailback, members })).id;
}

/** A started service with one VM (of shared storage: defined on swA, its definition kept for the others), moved to `host`. */
async function serviceOn(name: string, domainId: string, host: string, policy: { recoveryAction: RecoveryAction; maxRestarts?: number }): Promise<{ serviceId: string; vm: string }> {
  const vm = `${name}-vm`;
  const xml = testDomainXml({ name: vm });
  const h = adapter.connect({ uri: peer.host('swA').uri });
  await h.registerVm({ ref: vm, format: 'libvirt-xml', data: xml }, { signal: deadline(10_000) });
  await h.close();
  const resource = await resources.create(alice, { clusterId, name: vm, type: ResourceType.VM, vm: { hypervisorRef: vm }, attributes: [{ key: 'cpus', value: '1' }] });
  await store.transaction(async (repos) => {
    const r = await repos.resources.lock(alice, resource.id);
    r.vmDefinition = xml;
    r.vmDefinitionFormat = 'libvirt-xml';
    await repos.resources.save(alice, r);
  });
  const service = await services.create(alice, { clusterId, name, resources: [resource.id], policy: { priority: 500, failoverDomainId: domainId, ...policy } });
  const op = await settled((await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: service.id, params: { targetNodeId: id(host) } })).id);
  expect(op.state).toBe(OperationState.SUCCEEDED);
  expect(await runningOn(vm)).toEqual([host]);
  return { serviceId: service.id, vm };
}

async function watchOps(serviceId: string): Promise<OperationEntity[]> {
  return (await store.repos.operations.find(alice, { targetId: serviceId })).filter((o) => o.requestedBy === SERVICE_WATCH_ACTOR);
}

async function destroy(host: string, vm: string): Promise<void> {
  const r = await peer.virsh(host, ['destroy', vm]);
  expect(r.code).toBe(0);
  expect(await runningOn(vm)).toEqual([]);
}

async function failureEvents(serviceId: string): Promise<{ after: Record<string, unknown> | null }[]> {
  return (await store.repos.events.find(alice, { clusterId, type: 'service.failure_detected' })).filter((e) => e.serviceId === serviceId);
}

describe('service watch', () => {
  let domainId: string;
  const watch = (): ServiceWatch => new ServiceWatch(store, operations, nodes, adapters, { listDeadlineMs: 5000 });

  beforeAll(async () => {
    domainId = await domain('any', false, false);
  }, 60_000);

  it('restarts a VM that died on a healthy node in place, within the restart budget, then relocates it', async () => {
    const web = await serviceOn('web', domainId, 'swA', { recoveryAction: RecoveryAction.RESTART, maxRestarts: 1 });
    const w = watch();
    // healthy: nothing suspected, nothing done
    expect((await w.runOnce()).acted).toBe(0);
    expect(await watchOps(web.serviceId)).toEqual([]);

    await destroy('swA', web.vm);
    // seen down once: suspect only (a restart half-way, a guest rebooting, must not be acted on)
    expect(await w.runOnce()).toMatchObject({ suspected: 1, acted: 0 });
    // still down: restarted in place, as the policy says
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const [restart] = await watchOps(web.serviceId);
    expect(restart?.kind).toBe(OperationKind.SERVICE_RESTART);
    expect((await settled(restart?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await runningOn(web.vm)).toEqual(['swA']);
    expect((await store.repos.services.get(alice, web.serviceId)).recentRestarts).toHaveLength(1);
    expect((await failureEvents(web.serviceId))[0]?.after).toMatchObject({ decision: 'RESTART', operation: 'SERVICE_RESTART', down: [web.vm] });

    // down again: the budget (1 restart in 600 s) is spent, so it moves to another node
    await destroy('swA', web.vm);
    await w.runOnce();
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const relocate = (await watchOps(web.serviceId)).find((o) => o.kind === OperationKind.SERVICE_RELOCATE);
    expect(relocate).toBeDefined();
    expect((await settled(relocate?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    const where = await runningOn(web.vm);
    expect(where).toHaveLength(1);
    expect(where[0]).not.toBe('swA');
    expect((await failureEvents(web.serviceId)).map((e) => e.after?.['decision'])).toEqual(['RESTART', 'RELOCATE']);
    // running again: nothing more to do
    expect((await w.runOnce()).acted).toBe(0);
  }, 120_000);

  it('stops a service whose policy is DISABLE instead of restarting it', async () => {
    const batch = await serviceOn('batch', domainId, 'swB', { recoveryAction: RecoveryAction.DISABLE });
    const w = watch();
    await destroy('swB', batch.vm);
    await w.runOnce();
    expect(await w.runOnce()).toMatchObject({ acted: 1 });
    const [stop] = await watchOps(batch.serviceId);
    expect(stop?.kind).toBe(OperationKind.SERVICE_STOP);
    expect((await settled(stop?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect((await store.repos.services.get(alice, batch.serviceId)).state).toBe(ServiceState.STOPPED);
    expect(await runningOn(batch.vm)).toEqual([]);
  }, 120_000);

  it('acts once when several workers watch, and never on a node that is not ONLINE', async () => {
    const db2 = await serviceOn('db', domainId, 'swC', { recoveryAction: RecoveryAction.RESTART, maxRestarts: 3 });
    const [w1, w2, w3] = [watch(), watch(), watch()];
    // the node is suspect (heartbeats missing): its services are the detector's, not the watch's
    await setStatus('swC', NodeStatus.OFFLINE);
    await destroy('swC', db2.vm);
    await w1.runOnce();
    expect((await w1.runOnce()).acted).toBe(0);
    await setStatus('swC', NodeStatus.ONLINE);
    await Promise.all([w1.runOnce(), w2.runOnce(), w3.runOnce()]);
    const acted = await Promise.all([w1.runOnce(), w2.runOnce(), w3.runOnce()]);
    expect(acted.reduce((n, r) => n + r.acted, 0)).toBe(1);
    const ops = await watchOps(db2.serviceId);
    expect(ops).toHaveLength(1);
    expect((await settled(ops[0]?.id ?? '')).state).toBe(OperationState.SUCCEEDED);
    expect(await runningOn(db2.vm)).toEqual(['swC']);
    expect(await failureEvents(db2.serviceId)).toHaveLength(1);
    // the others, once the restart is done, see it running and stand down
    await Promise.all([w2.runOnce(), w3.runOnce()]);
    const again = await Promise.all([w2.runOnce(), w3.runOnce()]);
    expect(again.reduce((n, r) => n + r.acted, 0)).toBe(0);
    expect(await watchOps(db2.serviceId)).toHaveLength(1);
  }, 120_000);
});
