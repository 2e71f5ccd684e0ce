import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { ClusterState, DEFAULT_TENANT_QUOTA, DomainError, Hypervisor, NodeKind, NodeStatus, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { deadline, HypervisorAdapter } from '@haaas/hypervisor';
import { ClusterService, FailoverDomainService, FencingExecutor, NodeService, QuotaService, ResourceService, ServiceGroupService } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { FailoverPlanService } from './failover-plan.service';
import { LiveSignalPublisher } from './live/live-signals';
import { AgentNodeResourceDriver, NodeActionBroker } from '@haaas/node-actions';
import { labOperationRunHandler } from './testing/lab-run-handler';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';

/**
 * Operations end to end below the API: real MariaDB, real Redis and BullMQ workers, and three
 * simulated KVM hosts (libvirtd test driver). Every VM state is read back with a bare virsh on
 * the host, not through the adapter under test.
 */
const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
const bob = TenantScope.of('bob', { subject: 'bob@example.com', roles: ['member'] });
const sealer = { seal: (s: string) => s, open: (s: string) => s };
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

/** A Redis database of this file's own: queues are shared by name, and other test files run workers too. */
let peer: LibvirtHosts;
let db: TestDatabase;
let ds: DataSource;
let store: Store;
let commands: Redis;
let workerRedis: Redis;
let producer: JobProducer;
let workers: Worker[] = [];
let operations: OperationsService;
let nodes: NodeService;
let clusters: ClusterService;
let resources: ResourceService;
let services: ServiceGroupService;
let domains: FailoverDomainService;
let plans: FailoverPlanService;
const adapter = new KvmAdapter();
const adapters = new Map<Hypervisor, HypervisorAdapter>([[Hypervisor.KVM, adapter]]);
const HOSTS = ['opsA', 'opsB', 'opsC'] as const;
const nodeIds: Record<string, string> = {};
let clusterId: string;

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: [...HOSTS] });
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  const url = testRedisUrl(11);
  commands = new Redis(url, { maxRetriesPerRequest: 3 });
  workerRedis = new Redis(url, { maxRetriesPerRequest: null });
  await commands.flushdb();
  producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  clusters = new ClusterService(store, quota);
  nodes = new NodeService(store, quota, sealer);
  resources = new ResourceService(store, quota);
  services = new ServiceGroupService(store, quota);
  domains = new FailoverDomainService(store);
  operations = new OperationsService(store, producer, signals);
  plans = new FailoverPlanService(store, { liveness: null, detector: null });
  const handler = labOperationRunHandler({ store, signals, nodes, executor: new FencingExecutor(new FenceAgentRunner(), adapters), adapters, sealer, nodeResources: new AgentNodeResourceDriver(new NodeActionBroker(commands)), claimWaitMs: 5000 });
  workers = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 4 });

  clusterId = (await clusters.create(alice, { name: 'east', hypervisor: Hypervisor.KVM, policy: { minHealthyNodes: 2 } })).id;
  for (const host of HOSTS) {
    const node = await nodes.join(alice, {
      clusterId,
      hostname: `${host.toLowerCase()}.example.com`,
      kind: NodeKind.PHYSICAL,
      endpoint: { uri: peer.host(host).uri },
      // opsB is small: two 2-CPU VMs fill it
      capacity: { cpus: host === 'opsB' ? 4 : 16, memoryMb: 65536 },
    });
    nodeIds[host] = node.id;
  }
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

async function setStatus(host: string, status: NodeStatus): Promise<void> {
  await store.transaction(async (repos) => {
    // what the failure detector does when it hears (or stops hearing) from a node
    const n = await repos.nodes.lock(alice, nodeIds[host] ?? '');
    n.status = status;
    await repos.nodes.save(alice, n);
  });
}

async function settled(scope: TenantScope, id: string, timeoutMs = 60_000): Promise<OperationEntity> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const op = await store.repos.operations.get(scope, id);
    if (op.state === OperationState.SUCCEEDED || op.state === OperationState.FAILED) return op;
    if (Date.now() > until) throw new Error(`operation ${id} still ${op.state} after ${timeoutMs} ms: ${JSON.stringify(op.steps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function domstate(host: string, vm: string): Promise<string> {
  const r = await peer.virsh(host, ['domstate', vm]);
  return r.code === 0 ? r.stdout.trim() : 'undefined';
}

/** Where the VM runs, by bare virsh on every host. */
async function runningOn(vm: string): Promise<string[]> {
  const out: string[] = [];
  for (const host of HOSTS) if ((await domstate(host, vm)) === 'running') out.push(host);
  return out;
}

function hostOf(nodeId: string | null): string | undefined {
  return Object.entries(nodeIds).find(([, id]) => id === nodeId)?.[0];
}

/** A service with one VM, defined on `definedOn` (a VM of shared storage: its definition is kept for the others). */
async function vmService(name: string, options: { definedOn?: string; priority?: number; cpus?: number; domainId?: string } = {}): Promise<{ serviceId: string; vm: string }> {
  const vm = `${name}-vm`;
  const xml = testDomainXml({ name: vm });
  if (options.definedOn) {
    const host = adapter.connect({ uri: peer.host(options.definedOn).uri });
    await host.registerVm({ ref: vm, format: 'libvirt-xml', data: xml }, { signal: deadline(10_000) });
    await host.close();
  }
  const resource = await resources.create(alice, {
    clusterId,
    name: vm,
    type: ResourceType.VM,
    vm: { hypervisorRef: vm },
    attributes: options.cpus ? [{ key: 'cpus', value: String(options.cpus) }] : [],
  });
  await store.transaction(async (repos) => {
    const r = await repos.resources.lock(alice, resource.id);
    r.vmDefinition = xml;
    r.vmDefinitionFormat = 'libvirt-xml';
    await repos.resources.save(alice, r);
  });
  const service = await services.create(alice, {
    clusterId,
    name,
    resources: [resource.id],
    policy: { priority: options.priority ?? 500, ...(options.domainId ? { failoverDomainId: options.domainId } : {}) },
  });
  return { serviceId: service.id, vm };
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, message: err.message };
    throw err;
  }
}

describe('cluster actions', () => {
  it('refuses CLUSTER_START without quorum at once, with a clear code and message, and writes nothing', async () => {
    await setStatus('opsA', NodeStatus.ONLINE);
    const before = await store.repos.events.count(alice, { clusterId });
    const refused = await codeOf(operations.request(alice, { kind: OperationKind.CLUSTER_START, targetId: clusterId }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toBe(
      'cannot start HA on cluster "east": 1 of 3 node(s) healthy (ONLINE, not in maintenance); quorum needs 2 (N/2 + 1 of 3) and the cluster policy needs at least 2 (minHealthyNodes)',
    );
    expect(await store.repos.operations.count(alice, {})).toBe(0);
    expect(await store.repos.events.count(alice, { clusterId })).toBe(before);
    expect((await clusters.get(alice, clusterId)).state).toBe(ClusterState.STOPPED);
  });

  it('starts HA with quorum: the operation runs its steps, each logged, and the cluster is STARTED', async () => {
    for (const h of HOSTS) await setStatus(h, NodeStatus.ONLINE);
    const op = await operations.request(alice, { kind: OperationKind.CLUSTER_START, targetId: clusterId });
    expect(op).toMatchObject({ state: OperationState.PENDING, kind: OperationKind.CLUSTER_START, targetType: 'CLUSTER', targetId: clusterId, requestedBy: 'alice@example.com' });
    const done = await settled(alice, op.id);
    expect(done).toMatchObject({ state: OperationState.SUCCEEDED, progress: 100, attempts: 1, error: null });
    expect(done.steps.map((s) => [s.name, s.state])).toEqual([
      ['check quorum and healthy nodes', 'SUCCEEDED'],
      ['activate HA', 'SUCCEEDED'],
    ]);
    expect(done.startedAt).toBeInstanceOf(Date);
    expect(done.finishedAt?.getTime()).toBeGreaterThanOrEqual(done.startedAt?.getTime() ?? Infinity);
    expect((await clusters.get(alice, clusterId)).state).toBe(ClusterState.STARTED);
    const log = await store.repos.events.find(alice, { clusterId });
    const ofOp = log.filter((e) => e.objectId === op.id).map((e) => e.type);
    expect(ofOp).toEqual([
      'operation.requested',
      'operation.started',
      'operation.step_started',
      'operation.step_succeeded',
      'operation.step_started',
      'operation.step_succeeded',
      'operation.succeeded',
    ]);
    expect(log.find((e) => e.type === 'cluster.started')).toMatchObject({ before: { state: 'STOPPED' }, after: { state: 'STARTED', operationId: op.id, healthyNodes: 3, quorum: 2 } });
  });

  it('suspends and resumes monitoring; resuming a started cluster changes nothing; suspending a stopped one is refused', async () => {
    const suspend = await settled(alice, (await operations.request(alice, { kind: OperationKind.CLUSTER_SUSPEND, targetId: clusterId })).id);
    expect(suspend.state).toBe(OperationState.SUCCEEDED);
    expect((await clusters.get(alice, clusterId)).state).toBe(ClusterState.SUSPENDED);
    expect(await codeOf(operations.request(alice, { kind: OperationKind.CLUSTER_START, targetId: clusterId }))).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('resume it') });
    const resume = await settled(alice, (await operations.request(alice, { kind: OperationKind.CLUSTER_RESUME, targetId: clusterId })).id);
    expect(resume.state).toBe(OperationState.SUCCEEDED);
    expect((await clusters.get(alice, clusterId)).state).toBe(ClusterState.STARTED);
    const again = await settled(alice, (await operations.request(alice, { kind: OperationKind.CLUSTER_RESUME, targetId: clusterId })).id);
    expect(again.steps).toEqual([expect.objectContaining({ name: 'resume monitoring', state: 'SKIPPED', message: 'already STARTED' })]);

    const bobCluster = await clusters.create(bob, { name: 'lab', hypervisor: Hypervisor.KVM });
    expect(await codeOf(operations.request(bob, { kind: OperationKind.CLUSTER_SUSPEND, targetId: bobCluster.id }))).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('STOPPED') });
  });
});

describe('service actions on real libvirt hosts', () => {
  let web: { serviceId: string; vm: string };

  beforeAll(async () => {
    web = await vmService('web', { definedOn: 'opsA' });
  });

  it('starts a service: its VM runs on the node placement chose, and nowhere else', async () => {
    const op = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_START, targetId: web.serviceId })).id);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    const service = await services.get(alice, web.serviceId);
    expect(service.state).toBe(ServiceState.STARTED);
    expect(await runningOn(web.vm)).toEqual([hostOf(service.currentNodeId)]);
    expect(op.params['chosenNodeId']).toBe(service.currentNodeId);
    expect(op.steps.map((s) => s.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('relocates it to a named node: stopped on the old host, running on the new one', async () => {
    const from = hostOf((await services.get(alice, web.serviceId)).currentNodeId) ?? '';
    const to = HOSTS.find((h) => h !== from) ?? '';
    const op = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: web.serviceId, params: { targetNodeId: nodeIds[to] } })).id);
    expect(op).toMatchObject({ state: OperationState.SUCCEEDED, error: null });
    expect(await runningOn(web.vm)).toEqual([to]);
    expect(await domstate(from, web.vm)).toBe('shut off');
    expect((await services.get(alice, web.serviceId)).currentNodeId).toBe(nodeIds[to]);
    // every VM step is in the log too, by the runner
    const types = (await store.repos.events.find(alice, { serviceId: web.serviceId })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['service.stopping', 'resource.stopped', 'service.stopped', 'service.starting', 'resource.started', 'service.started']));
  });

  it('refuses a relocation to the node it runs on, and to a node of another tenant', async () => {
    const at = (await services.get(alice, web.serviceId)).currentNodeId ?? '';
    expect(await codeOf(operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: web.serviceId, params: { targetNodeId: at } }))).toMatchObject({ code: 'PRECONDITION_FAILED' });
    const bobCluster = (await clusters.create(bob, { name: 'b2', hypervisor: Hypervisor.KVM })).id;
    const bobNode = await nodes.join(bob, { clusterId: bobCluster, hostname: 'bob-1.example.com', kind: NodeKind.PHYSICAL, endpoint: { uri: 'qemu+ssh://bob-1/system' }, capacity: { cpus: 4, memoryMb: 4096 } });
    expect(await codeOf(operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: web.serviceId, params: { targetNodeId: bobNode.id } }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await codeOf(operations.request(bob, { kind: OperationKind.SERVICE_STOP, targetId: web.serviceId }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('restarts it on the same node, then stops it: the VM is shut off', async () => {
    const at = hostOf((await services.get(alice, web.serviceId)).currentNodeId) ?? '';
    const restart = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_RESTART, targetId: web.serviceId })).id);
    expect(restart.steps.map((s) => `${s.name}:${s.state}`)).toEqual([`stop on ${at.toLowerCase()}.example.com:SUCCEEDED`, `start on ${at.toLowerCase()}.example.com:SUCCEEDED`]);
    expect(await runningOn(web.vm)).toEqual([at]);
    const stop = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_STOP, targetId: web.serviceId })).id);
    expect(stop.state).toBe(OperationState.SUCCEEDED);
    expect(await runningOn(web.vm)).toEqual([]);
    expect(await services.get(alice, web.serviceId)).toMatchObject({ state: ServiceState.STOPPED, currentNodeId: null });
  });

  it('never starts a second copy: a VM already running on another host fails the start with the reason', async () => {
    const rogue = await vmService('rogue', { definedOn: 'opsC' });
    await peer.virsh('opsC', ['start', rogue.vm]);
    // the service is pinned elsewhere by its only allowed node
    const op = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: rogue.serviceId, params: { targetNodeId: nodeIds['opsA'] } })).id);
    expect(op.state).toBe(OperationState.FAILED);
    expect(op.error).toMatch(/VM_ACTIVE_ELSEWHERE: VM rogue-vm is already active on opsc\.example\.com/);
    expect(await runningOn(rogue.vm)).toEqual(['opsC']);
  });
});

describe('a relocation the target cannot take', () => {
  it('starts the service again where it ran, and fails saying so', async () => {
    const roll = await vmService('roll', { definedOn: 'opsA' });
    const to = nodeIds['opsA'] ?? '';
    expect((await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: roll.serviceId, params: { targetNodeId: to } })).id)).state).toBe('SUCCEEDED');
    expect(await runningOn(roll.vm)).toEqual(['opsA']);
    // opsC's hypervisor dies; the database still says ONLINE (the detector has not noticed yet)
    await peer.kill('opsC');
    try {
      const op = await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: roll.serviceId, params: { targetNodeId: nodeIds['opsC'] } })).id);
      expect(op.state).toBe(OperationState.FAILED);
      expect(op.error).toMatch(/^TARGET_UNREACHABLE: opsc\.example\.com did not answer: .* \(after 3 attempts\); it runs again where it was$/);
      expect(await runningOn(roll.vm)).toEqual(['opsA']);
      expect(await services.get(alice, roll.serviceId)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: to });
    } finally {
      await peer.restart('opsC');
    }
    expect((await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_STOP, targetId: roll.serviceId })).id)).state).toBe('SUCCEEDED');
  }, 60_000);
});

describe('node evacuation', () => {
  it('moves every service off the node, by priority, to the nodes placement chooses; the node is in maintenance', async () => {
    const domain = await domains.create(alice, {
      clusterId,
      name: 'prefer-a',
      ordered: true,
      restricted: false,
      nofailback: false,
      members: [
        { nodeId: nodeIds['opsA'] ?? '', priority: 1 },
        { nodeId: nodeIds['opsB'] ?? '', priority: 2 },
        { nodeId: nodeIds['opsC'] ?? '', priority: 3 },
      ],
    });
    const svc = [
      await vmService('db', { definedOn: 'opsA', priority: 900, cpus: 2, domainId: domain.id }),
      await vmService('app', { definedOn: 'opsA', priority: 600, cpus: 2, domainId: domain.id }),
      await vmService('batch', { definedOn: 'opsA', priority: 100, cpus: 2, domainId: domain.id }),
    ];
    for (const s of svc) expect((await settled(alice, (await operations.request(alice, { kind: OperationKind.SERVICE_START, targetId: s.serviceId })).id)).state).toBe('SUCCEEDED');
    for (const s of svc) expect(await runningOn(s.vm)).toEqual(['opsA']);

    // the dry run says where they would go if opsA failed now: opsB takes two, opsC the last
    const plan = await plans.plan(alice, nodeIds['opsA'] ?? '');
    expect(plan.services.map((p) => [p.serviceId, p.outcome, hostOf(p.targetNodeId), p.wave])).toEqual([
      [svc[0]?.serviceId, 'START', 'opsB', 1],
      [svc[1]?.serviceId, 'START', 'opsB', 2],
      [svc[2]?.serviceId, 'START', 'opsC', 3],
    ]);

    const op = await settled(alice, (await operations.request(alice, { kind: OperationKind.NODE_EVACUATE, targetId: nodeIds['opsA'] ?? '' })).id, 120_000);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    expect(op.steps.map((s) => s.name)).toEqual(['enter maintenance', 'plan placements', 'move service db', 'move service app', 'move service batch']);
    expect(await runningOn(svc[0]?.vm ?? '')).toEqual(['opsB']);
    expect(await runningOn(svc[1]?.vm ?? '')).toEqual(['opsB']);
    expect(await runningOn(svc[2]?.vm ?? '')).toEqual(['opsC']);
    for (const s of svc) expect(await domstate('opsA', s.vm)).toBe('shut off');
    expect(await nodes.get(alice, nodeIds['opsA'] ?? '')).toMatchObject({ maintenance: true, status: NodeStatus.MAINTENANCE });
    // highest priority first: db's move started before app's, app's before batch's
    const started = (name: string) => op.steps.find((s) => s.name === `move service ${name}`)?.startedAt ?? '';
    expect(started('db') <= started('app') && started('app') <= started('batch')).toBe(true);
  });
});

describe('idempotency keys', () => {
  it('returns the same operation for the same key and request, refuses the key for another request, and keeps tenants apart', async () => {
    const bobCluster = await clusters.create(bob, { name: 'idem', hypervisor: Hypervisor.KVM });
    const a = await operations.request(alice, { kind: OperationKind.CLUSTER_STOP, targetId: clusterId, idempotencyKey: 'deploy-42' });
    const again = await operations.request(alice, { kind: OperationKind.CLUSTER_STOP, targetId: clusterId, idempotencyKey: 'deploy-42' });
    expect(again.id).toBe(a.id);
    expect(await codeOf(operations.request(alice, { kind: OperationKind.CLUSTER_SUSPEND, targetId: clusterId, idempotencyKey: 'deploy-42' }))).toMatchObject({ code: 'CONFLICT' });
    const other = await operations.request(bob, { kind: OperationKind.CLUSTER_STOP, targetId: bobCluster.id, idempotencyKey: 'deploy-42' });
    expect(other.id).not.toBe(a.id);
    expect(await codeOf(operations.request(alice, { kind: OperationKind.CLUSTER_STOP, targetId: clusterId, idempotencyKey: 'has space' }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    // concurrent repeats of one request make one operation
    const burstCluster = await clusters.create(bob, { name: 'idem2', hypervisor: Hypervisor.KVM });
    const burst = await Promise.all(Array.from({ length: 5 }, () => operations.request(bob, { kind: OperationKind.CLUSTER_STOP, targetId: burstCluster.id, idempotencyKey: 'burst-1' })));
    expect(new Set(burst.map((o) => o.id)).size).toBe(1);
    const done = await settled(alice, a.id, 120_000);
    expect(done.state).toBe(OperationState.SUCCEEDED);
    expect((await clusters.get(alice, clusterId)).state).toBe(ClusterState.STOPPED);
    // stopping the cluster stopped its running services
    const running = (await store.repos.services.find(alice, { clusterId })).filter((s) => s.state === ServiceState.STARTED);
    expect(running).toEqual([]);
  });
});
