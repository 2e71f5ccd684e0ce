import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { ClusterState, DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { deadline, HypervisorAdapter } from '@haaas/hypervisor';
import { ClusterService, FailoverDomainService, FencingExecutor, NodeService, QuotaService, ResourceService, ServiceGroupService } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { FAILBACK_ACTOR, FailbackScheduler, failbackScope } from './failback.scheduler';
import { LiveSignalPublisher } from './live/live-signals';
import { AgentNodeResourceDriver, NodeActionBroker } from '../node-actions';
import { createOperationRunHandler } from './operations.module';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';

/**
 * Failback end to end below the API: real MariaDB, Redis and BullMQ workers, three simulated KVM
 * hosts (libvirtd test driver); where a VM runs is read back with a bare virsh on the host.
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
const adapter = new KvmAdapter();
const adapters = new Map<Hypervisor, HypervisorAdapter>([[Hypervisor.KVM, adapter]]);
const HOSTS = ['fbA', 'fbB', 'fbC'] as const;
const nodeIds: Record<string, string> = {};
let clusterId: string;
const id = (host: string): string => nodeIds[host] ?? '';

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: [...HOSTS] });
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  const url = testRedisUrl(14);
  commands = new Redis(url, { maxRetriesPerRequest: 3 });
  workerRedis = new Redis(url, { maxRetriesPerRequest: null });
  await commands.flushdb();
  producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const clusters = new ClusterService(store, quota);
  const nodes = new NodeService(store, quota, sealer);
  resources = new ResourceService(store, quota);
  services = new ServiceGroupService(store, quota);
  domains = new FailoverDomainService(store);
  operations = new OperationsService(store, producer, signals);
  const handler = createOperationRunHandler({ store, signals, nodes, executor: new FencingExecutor(new FenceAgentRunner(), adapters), adapters, sealer, nodeResources: new AgentNodeResourceDriver(new NodeActionBroker(commands)), claimWaitMs: 5000 });
  workers = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 4 });

  clusterId = (await clusters.create(alice, { name: 'fb', hypervisor: Hypervisor.KVM })).id;
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
    { nodeId: id('fbA'), priority: 1 },
    { nodeId: id('fbB'), priority: 2 },
    { nodeId: id('fbC'), priority: 3 },
  ];
  return (await domains.create(alice, { clusterId, name, ordered, restricted: false, nofailback, members })).id;
}

/** A started service with one VM (of shared storage: defined on fbA, its definition kept for the others), moved to `host`. */
async function serviceOn(name: string, domainId: string, host: string): Promise<{ serviceId: string; vm: string }> {
  const vm = `${name}-vm`;
  const xml = testDomainXml({ name: vm });
  const h = adapter.connect({ uri: peer.host('fbA').uri });
  await h.registerVm({ ref: vm, format: 'libvirt-xml', data: xml }, { signal: deadline(10_000) });
  await h.close();
  const resource = await resources.create(alice, { clusterId, name: vm, type: ResourceType.VM, vm: { hypervisorRef: vm }, attributes: [{ key: 'cpus', value: '1' }] });
  await store.transaction(async (repos) => {
    const r = await repos.resources.lock(alice, resource.id);
    r.vmDefinition = xml;
    r.vmDefinitionFormat = 'libvirt-xml';
    await repos.resources.save(alice, r);
  });
  const service = await services.create(alice, { clusterId, name, resources: [resource.id], policy: { priority: 500, failoverDomainId: domainId } });
  const op = await settled((await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: service.id, params: { targetNodeId: id(host) } })).id);
  expect(op.state).toBe(OperationState.SUCCEEDED);
  expect(await runningOn(vm)).toEqual([host]);
  return { serviceId: service.id, vm };
}

async function failbacksOf(serviceId: string): Promise<OperationEntity[]> {
  return (await store.repos.operations.find(alice, { targetId: serviceId })).filter((o) => o.requestedBy === FAILBACK_ACTOR);
}

describe('failback', () => {
  let ordered: { serviceId: string; vm: string };
  let pinned: { serviceId: string; vm: string };
  let anywhere: { serviceId: string; vm: string };

  beforeAll(async () => {
    ordered = await serviceOn('ordered', await domain('prefer-a', true, false), 'fbB');
    pinned = await serviceOn('pinned', await domain('prefer-a-nofailback', true, true), 'fbB');
    anywhere = await serviceOn('anywhere', await domain('any-of-abc', false, false), 'fbB');
  }, 120_000);

  it('leaves services where they are while the preferred node has just come back, and while it flaps', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 30 });
    // fbA went away and has just returned
    await setStatus('fbA', NodeStatus.OFFLINE);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    await setStatus('fbA', NodeStatus.ONLINE);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    // it flaps: away again, back again; each return starts the wait over
    await setStatus('fbA', NodeStatus.OFFLINE);
    await setStatus('fbA', NodeStatus.ONLINE, Date.now() - 20_000);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await scheduler.runOnce(Date.now() + 5_000)).toEqual({ clusters: 1, scheduled: 0 });
    for (const s of [ordered, pinned, anywhere]) {
      expect(await failbacksOf(s.serviceId)).toEqual([]);
      expect(await runningOn(s.vm)).toEqual(['fbB']);
    }
  });

  it('does not fail back while an incident of the cluster is open', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
    await setStatus('fbA', NodeStatus.ONLINE, Date.now() - 10_000);
    // what the detector opens when a node fails (only its row matters here)
    const incident = await store.repos.incidents.create(alice, {
      clusterId,
      nodeId: id('fbC'),
      idempotencyKey: `test-incident-${Date.now()}`,
      state: 'RECOVERING',
      source: 'DETECTOR',
      reason: 'test: fbC failed',
      lastSeenAt: null,
      declaredAt: new Date(),
      fencedAt: null,
      finishedAt: null,
      fencing: null,
      detectorToken: '1',
      openedAt: new Date(),
    });
    try {
      expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    } finally {
      await store.repos.incidents.delete(alice, { id: incident.id });
    }
    expect(await failbacksOf(ordered.serviceId)).toEqual([]);
  });

  it('moves a service of an ordered domain back once its preferred node has been ONLINE for the stabilisation time; nofailback and unordered stay', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 2, intervalMs: 200 });
    await setStatus('fbA', NodeStatus.OFFLINE);
    const backAt = Date.now();
    await setStatus('fbA', NodeStatus.ONLINE, backAt);
    scheduler.start();
    let ops: OperationEntity[] = [];
    try {
      const until = Date.now() + 30_000;
      while (ops.length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        ops = await failbacksOf(ordered.serviceId);
      }
    } finally {
      await scheduler.stop();
    }
    expect(ops).toHaveLength(1);
    const op = ops[0] as OperationEntity;
    // not before the node had been ONLINE for 2 s
    expect(op.createdAt.getTime()).toBeGreaterThanOrEqual(backAt + 2000);
    expect(op).toMatchObject({ kind: OperationKind.SERVICE_RELOCATE, targetId: ordered.serviceId, params: { targetNodeId: id('fbA') } });
    expect((await settled(op.id)).state).toBe(OperationState.SUCCEEDED);
    expect(await runningOn(ordered.vm)).toEqual(['fbA']);
    expect(await services.get(alice, ordered.serviceId)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: id('fbA') });

    const event = (await store.repos.events.find(alice, { serviceId: ordered.serviceId })).find((e) => e.type === 'service.failback_scheduled');
    expect(event).toMatchObject({ actor: FAILBACK_ACTOR, nodeId: id('fbA'), before: { nodeId: id('fbB') }, after: { nodeId: id('fbA'), operationId: op.id } });
    expect(event?.message).toMatch(/^service "ordered" moves back from fbb\.example\.com to fba\.example\.com/);

    for (const s of [pinned, anywhere]) {
      expect(await failbacksOf(s.serviceId)).toEqual([]);
      expect(await runningOn(s.vm)).toEqual(['fbB']);
    }
    // asked once per ONLINE period: further passes schedule nothing more
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await failbacksOf(ordered.serviceId)).toHaveLength(1);
  }, 60_000);

  it('ignores a service another operation is busy with, without error', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
    const busy = await serviceOn('busy', await domain('prefer-a-2', true, false), 'fbB');
    // a user's operation on the service, not yet taken by a worker (written, not queued)
    const other = await store.repos.operations.create(alice, {
      clusterId,
      kind: OperationKind.SERVICE_RESTART,
      targetType: 'SERVICE',
      targetId: busy.serviceId,
      state: OperationState.PENDING,
      progress: 0,
      steps: [],
      params: {},
      error: null,
      attempts: 0,
      requestedBy: 'alice@example.com',
      idempotencyKey: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await failbacksOf(busy.serviceId)).toEqual([]);
    await store.transaction(async (repos) => {
      const op = await repos.operations.lock(alice, other.id);
      op.state = OperationState.SUCCEEDED;
      await repos.operations.save(alice, op);
    });
    await scheduler.runOnce();
    const ops = await failbacksOf(busy.serviceId);
    expect(ops).toHaveLength(1);
    expect((await settled((ops[0] as OperationEntity).id)).state).toBe(OperationState.SUCCEEDED);
    expect(await runningOn(busy.vm)).toEqual(['fbA']);
  }, 60_000);

  it('schedules one operation and logs one event when two workers race (each with its own connections)', async () => {
    const raced = await serviceOn('raced', await domain('prefer-a-3', true, false), 'fbB');
    // a second worker: its own pool of MariaDB connections, its own Redis connection and producer
    const ds2 = await openDataSource({ url: db.url });
    const redis2 = new Redis(testRedisUrl(14), { maxRetriesPerRequest: 3 });
    const producer2 = new JobProducer(redis2);
    try {
      const store2 = new Store(ds2);
      const first = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
      const second = new FailbackScheduler(store2, new OperationsService(store2, producer2, new LiveSignalPublisher(redis2)), { stabilisationSeconds: 1 });
      const failbackOps = async () => (await store.repos.operations.find(alice, { clusterId })).filter((o) => o.requestedBy === FAILBACK_ACTOR);
      const failbackEvents = () => store.repos.events.find(alice, { clusterId, type: 'service.failback_scheduled' });
      const opsBefore = new Set((await failbackOps()).map((o) => o.id));
      const eventsBefore = (await failbackEvents()).length;
      // both read the cluster before either writes: each would ask for the failback
      const system = failbackScope(alice.tenantId);
      const passes = await Promise.all([first.runCluster(system, clusterId), second.runCluster(system, clusterId)]);
      // what the two passes say they scheduled is what was created, and logged once each
      const created = (await failbackOps()).filter((o) => !opsBefore.has(o.id));
      expect(passes[0] + passes[1]).toBe(created.length);
      expect((await failbackEvents()).length - eventsBefore).toBe(created.length);
      const ops = await failbacksOf(raced.serviceId);
      expect(ops).toHaveLength(1);
      const op = ops[0] as OperationEntity;
      const events = await store.repos.events.find(alice, { serviceId: raced.serviceId, type: 'service.failback_scheduled' });
      expect(events).toHaveLength(1);
      expect(events[0]?.after).toMatchObject({ operationId: op.id, nodeId: id('fbA') });
      expect(await store.repos.events.count(alice, { objectId: op.id, type: 'operation.requested' })).toBe(1);
      // later passes of either find it asked for
      expect(await Promise.all([first.runCluster(system, clusterId), second.runCluster(system, clusterId)])).toEqual([0, 0]);
      for (const o of created) expect((await settled(o.id)).state).toBe(OperationState.SUCCEEDED);
      expect(await runningOn(raced.vm)).toEqual(['fbA']);
      expect(await store.repos.events.count(alice, { serviceId: raced.serviceId, type: 'service.failback_scheduled' })).toBe(1);
    } finally {
      await producer2.close();
      await redis2.quit();
      await ds2.destroy();
    }
  }, 60_000);
});
