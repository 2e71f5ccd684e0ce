import { writeFileSync } from 'node:fs';
import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { LibvirtHosts, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { FenceAgentRunner } from '@haaas/fencing';
import { SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { HypervisorAdapter } from '@haaas/hypervisor';
import { ClusterService, FencingDeviceService, FencingExecutor, NodeService, QuotaService, ResourceService, ServiceGroupService, SyntaxOnlyFenceAgentCatalog } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { LiveSignalPublisher } from './live/live-signals';
import { AgentNodeResourceDriver, NodeActionBroker } from '@haaas/node-actions';
import { labOperationRunHandler } from './testing/lab-run-handler';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';

/**
 * Node power through fencing devices, for real: a simulated host (libvirtd whose power is an
 * ipmi_sim BMC's chassis) driven with fence_ipmilan, and a second libvirt host that takes its
 * services. Shutdown evacuates then powers off; startup powers on, waits for libvirt, ends
 * maintenance.
 */
const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
const BMC_PASSWORD = 'pw-Bmc-s3cret';
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let sim: SimulatedHost;
let others: LibvirtHosts;
let db: TestDatabase;
let ds: DataSource;
let store: Store;
let commands: Redis;
let workerRedis: Redis;
let producer: JobProducer;
let workers: Worker[] = [];
let operations: OperationsService;
let nodes: NodeService;
let services: ServiceGroupService;
let simNodeId: string;
let otherNodeId: string;
let bareNodeId: string;
let serviceId: string;

async function settled(id: string, timeoutMs = 90_000): Promise<OperationEntity> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const op = await store.repos.operations.get(alice, id);
    if (op.state === OperationState.SUCCEEDED || op.state === OperationState.FAILED) return op;
    if (Date.now() > until) throw new Error(`operation ${id} still ${op.state}: ${JSON.stringify(op.steps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sim = await startSimulatedHost({ name: 'pw', password: BMC_PASSWORD });
  others = await startLibvirtHosts({ hosts: ['pwOther', 'pwBare'] });
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  const url = testRedisUrl(13);
  commands = new Redis(url, { maxRetriesPerRequest: 3 });
  workerRedis = new Redis(url, { maxRetriesPerRequest: null });
  await commands.flushdb();
  producer = new JobProducer(commands);
  const signals = new LiveSignalPublisher(commands);
  const sealer = { seal: (s: string) => s, open: (s: string) => s };
  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const adapters = new Map<Hypervisor, HypervisorAdapter>([[Hypervisor.KVM, new KvmAdapter()]]);
  nodes = new NodeService(store, quota, sealer);
  services = new ServiceGroupService(store, quota);
  operations = new OperationsService(store, producer, signals);
  const handler = labOperationRunHandler({
    store,
    signals,
    nodes,
    executor: new FencingExecutor(new FenceAgentRunner(), adapters),
    adapters,
    sealer,
    nodeResources: new AgentNodeResourceDriver(new NodeActionBroker(commands)),
    bootTimeoutMs: 60_000,
    bootPollMs: 250,
  });
  workers = startWorkers(workerRedis, [QUEUES.operations], new JobRegistry().register(handler), { concurrency: 2 });

  const clusterId = (await new ClusterService(store, quota).create(alice, { name: 'power', hypervisor: Hypervisor.KVM })).id;
  const join = async (hostname: string, uri: string) =>
    (await nodes.join(alice, { clusterId, hostname, kind: NodeKind.PHYSICAL, endpoint: { uri }, capacity: { cpus: 8, memoryMb: 8192 } })).id;
  simNodeId = await join('pw.example.com', sim.host.uri);
  otherNodeId = await join('pw-other.example.com', others.host('pwOther').uri);
  bareNodeId = await join('pw-bare.example.com', others.host('pwBare').uri);
  await store.transaction(async (repos) => {
    for (const id of [simNodeId, otherNodeId]) {
      const n = await repos.nodes.lock(alice, id);
      n.status = NodeStatus.ONLINE;
      await repos.nodes.save(alice, n);
    }
  });
  // the bare node has no fencing device: it cannot be powered
  const bare = await store.repos.nodes.get(alice, bareNodeId);
  expect(bare.status).toBe(NodeStatus.OFFLINE);

  const devices = new FencingDeviceService(store, sealer, new SyntaxOnlyFenceAgentCatalog());
  const { password, ...options } = sim.bmc.fenceOptions();
  const device = await devices.add(alice, {
    clusterId,
    name: 'pw-bmc',
    agent: 'fence_ipmilan',
    options: Object.entries(options).map(([key, value]) => ({ key, value })),
    secretOptions: [{ key: 'password', value: password ?? '' }],
  });
  await devices.associate(alice, { deviceId: device.id, nodeId: simNodeId, level: 1 });

  // a service whose VM runs on the simulated host, its definition kept (shared storage)
  const vm = 'pw-app';
  const xml = testDomainXml({ name: vm });
  const file = `${sim.host.dir}/${vm}.xml`;
  writeFileSync(file, xml);
  await sim.host.virsh('define', file);
  const resource = await new ResourceService(store, quota).create(alice, { clusterId, name: vm, type: ResourceType.VM, vm: { hypervisorRef: vm } });
  await store.transaction(async (repos) => {
    const r = await repos.resources.lock(alice, resource.id);
    r.vmDefinition = xml;
    r.vmDefinitionFormat = 'libvirt-xml';
    await repos.resources.save(alice, r);
  });
  serviceId = (await services.create(alice, { clusterId, name: 'app', resources: [resource.id] })).id;
  const started = await settled((await operations.request(alice, { kind: OperationKind.SERVICE_RELOCATE, targetId: serviceId, params: { targetNodeId: simNodeId } })).id);
  expect(started.state).toBe(OperationState.SUCCEEDED);
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await producer?.close();
  await commands?.quit();
  await workerRedis?.quit();
  await ds?.destroy();
  await db?.drop();
  await sim?.stop();
  await others?.stop();
});

describe('node power through fencing devices', () => {
  it('shuts a node down: maintenance, its services moved off, then power off through its BMC', async () => {
    const op = await settled((await operations.request(alice, { kind: OperationKind.NODE_SHUTDOWN, targetId: simNodeId })).id);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual(['enter maintenance:SUCCEEDED', 'plan placements:SUCCEEDED', 'move service app:SUCCEEDED', 'power off:SUCCEEDED']);
    expect(op.steps.find((s) => s.name === 'power off')?.message).toBe(
      'through fencing level 1 (pw-bmc): the hypervisor manager has no host power, so the BMC cuts or restores power',
    );
    expect(sim.bmc.power()).toBe('off');
    expect(await sim.host.isUp()).toBe(false);
    expect(await services.get(alice, serviceId)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: otherNodeId });
    expect((await others.virsh('pwOther', ['domstate', 'pw-app'])).stdout.trim()).toBe('running');
    expect(await nodes.get(alice, simNodeId)).toMatchObject({ maintenance: true, status: NodeStatus.MAINTENANCE });
    const log = JSON.stringify(await store.repos.events.find(alice, {}));
    expect(log).not.toContain(BMC_PASSWORD);
    expect(JSON.stringify(op)).not.toContain(BMC_PASSWORD);
  });

  it('starts it up: power on through its BMC, waits until libvirt answers, ends maintenance', async () => {
    const op = await settled((await operations.request(alice, { kind: OperationKind.NODE_STARTUP, targetId: simNodeId })).id);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual(['power on:SUCCEEDED', 'wait for the host to answer:SUCCEEDED', 'leave maintenance:SUCCEEDED']);
    expect(sim.bmc.power()).toBe('on');
    expect(await sim.host.isUp()).toBe(true);
    // OFFLINE until the detector hears from its agent again
    expect(await nodes.get(alice, simNodeId)).toMatchObject({ maintenance: false, status: NodeStatus.OFFLINE });
  });

  it('reboots it through its BMC (its services moved off first), waits until libvirt answers again, ends maintenance', async () => {
    const before = sim.bmc.chassisLog().length;
    const op = await settled((await operations.request(alice, { kind: OperationKind.NODE_REBOOT, targetId: simNodeId })).id);
    expect(op.state).toBe(OperationState.SUCCEEDED);
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'enter maintenance:SUCCEEDED',
      'plan placements:SUCCEEDED',
      'power reboot:SUCCEEDED',
      'wait for the host to answer:SUCCEEDED',
      'leave maintenance:SUCCEEDED',
    ]);
    // the BMC was asked to cycle the chassis: libvirtd was killed and started again
    expect(sim.bmc.chassisLog().slice(before).join(' ')).toMatch(/set power 0.*set power 1|cycle/);
    expect(sim.bmc.power()).toBe('on');
    expect(await sim.host.isUp()).toBe(true);
    expect(await nodes.get(alice, simNodeId)).toMatchObject({ maintenance: false });
  });

  it('says what to configure for a node that has neither host power nor a fencing device', async () => {
    const op = await settled((await operations.request(alice, { kind: OperationKind.NODE_REBOOT, targetId: bareNodeId })).id);
    expect(op.state).toBe(OperationState.FAILED);
    expect(op.error).toBe(
      'node pw-bare.example.com cannot be rebooted: its hypervisor manager has no host power and it has no fencing device (associate one, e.g. its BMC through fence_ipmilan)',
    );
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'enter maintenance:SUCCEEDED',
      'plan placements:SUCCEEDED',
      'power reboot:FAILED',
      'wait for the host to answer:PENDING',
      'leave maintenance:PENDING',
    ]);
    // and the host was not touched
    const host = new KvmAdapter().connect({ uri: others.host('pwBare').uri });
    expect(await host.probe({ signal: AbortSignal.timeout(5000) })).toMatchObject({ reachable: true });
    await host.close();
  });
});
