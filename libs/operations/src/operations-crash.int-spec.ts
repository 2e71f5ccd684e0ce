import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { LibvirtHosts, processesMatching, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { ClusterService, NodeService, QuotaService, ResourceService, ServiceGroupService } from '@haaas/management';
import { OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { LiveSignalPublisher } from './live/live-signals';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';

/**
 * A worker killed (SIGKILL) in the middle of an evacuation: another worker takes the operation up
 * when the job's lock lapses and finishes it from the first unfinished step. Nothing is lost, and
 * no VM is started twice (counted from each host's own libvirt event stream).
 */
const REPO = resolve(__dirname, '../../..');
const tenant = TenantScope.of('crash', { subject: 'ops@example.com', roles: ['member'] });
const VMS = ['c-1', 'c-2', 'c-3'];
const GRACE_SECONDS = 2;
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let peer: LibvirtHosts;
let db: TestDatabase;
let ds: DataSource;
let store: Store;
let redis: Redis;
let redisUrl: string;
let producer: JobProducer;
let operations: OperationsService;
const children: ChildProcess[] = [];
const nodeIds: Record<string, string> = {};
const serviceIds: string[] = [];

function spawnWorker(tag: string): { child: ChildProcess; log: () => string; ready: Promise<void> } {
  const logFile = join(peer.dir, `worker-${tag}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [join(REPO, 'tools/run.js'), join(REPO, 'libs/operations/src/testing/operations-worker.entry.ts')], {
      cwd: REPO,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_ENV: 'test', HAAAS_DB_URL: db.url, HAAAS_REDIS_URL: redisUrl, OPERATIONS_WORKER_TAG: tag, OPERATIONS_LOCK_MS: '3000' },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  children.push(child);
  const log = () => readFileSync(logFile, 'utf8');
  const ready = (async () => {
    const until = Date.now() + 60_000;
    while (!log().includes('operations worker ready')) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${tag} exited while starting:\n${log()}`);
      if (Date.now() > until) throw new Error(`worker ${tag} not ready:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { child, log, ready };
}

/** "Started" lifecycle events of the domain on every host, from the hosts' own event streams. */
function startsOf(vm: string): number {
  const pattern = new RegExp(`for domain '${vm}': Started `);
  return peer.hosts.reduce((n, h) => n + readFileSync(h.eventsLog, 'utf8').split('\n').filter((l) => pattern.test(l)).length, 0);
}

async function runningOn(vm: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of peer.hosts) if ((await peer.virsh(h.name, ['domstate', vm])).stdout.trim() === 'running') out.push(h.name);
  return out;
}

beforeAll(async () => {
  peer = await startLibvirtHosts({ hosts: ['crashA', 'crashB', 'crashC'] });
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  redisUrl = testRedisUrl(15);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  await redis.flushdb();
  producer = new JobProducer(redis);
  operations = new OperationsService(store, producer, new LiveSignalPublisher(redis));

  const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
  const nodes = new NodeService(store, quota, { seal: (s) => s, open: (s) => s });
  const clusterId = (await new ClusterService(store, quota).create(tenant, { name: 'crash', hypervisor: Hypervisor.KVM })).id;
  for (const h of peer.hosts) {
    nodeIds[h.name] = (await nodes.join(tenant, { clusterId, hostname: `${h.name.toLowerCase()}.example.com`, kind: NodeKind.PHYSICAL, endpoint: { uri: h.uri }, capacity: { cpus: 8, memoryMb: 8192 } })).id;
  }
  const resources = new ResourceService(store, quota);
  const services = new ServiceGroupService(store, quota);
  for (const [i, vm] of VMS.entries()) {
    // guests that ignore a shutdown request: each stop takes its whole grace period, a window to kill the worker in
    const xml = testDomainXml({ name: vm, ignoresShutdown: true });
    const file = join(peer.dir, `${vm}.xml`);
    writeFileSync(file, xml);
    expect((await peer.virsh('crashA', ['define', file])).code).toBe(0);
    expect((await peer.virsh('crashA', ['start', vm])).code).toBe(0);
    const r = await resources.create(tenant, { clusterId, name: vm, type: ResourceType.VM, vm: { hypervisorRef: vm, shutdownTimeoutSeconds: GRACE_SECONDS } });
    const s = await services.create(tenant, { clusterId, name: `svc-${vm}`, resources: [r.id], policy: { priority: 900 - i * 100 } });
    serviceIds.push(s.id);
    // what a finished start leaves behind: running on crashA, the definition kept
    await store.transaction(async (repos) => {
      const res = await repos.resources.lock(tenant, r.id);
      res.vmDefinition = xml;
      res.vmDefinitionFormat = 'libvirt-xml';
      res.placedNodeId = nodeIds['crashA'] ?? null;
      await repos.resources.save(tenant, res);
      const svc = await repos.services.lock(tenant, s.id);
      svc.state = ServiceState.STARTED;
      svc.currentNodeId = nodeIds['crashA'] ?? null;
      await repos.services.save(tenant, svc);
    });
  }
  await store.transaction(async (repos) => {
    for (const id of Object.values(nodeIds)) {
      const n = await repos.nodes.lock(tenant, id);
      n.status = NodeStatus.ONLINE;
      await repos.nodes.save(tenant, n);
    }
  });
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))));
  await producer?.close();
  await redis?.quit();
  await ds?.destroy();
  await db?.drop();
  await peer?.stop();
  if (peer) expect(processesMatching(peer.dir)).toEqual([]);
});

it('finishes an evacuation whose worker was killed mid-way, from where it stopped, starting no VM twice', async () => {
  for (const vm of VMS) expect(startsOf(vm)).toBe(1);
  const first = spawnWorker('first');
  await first.ready;
  const op = await operations.request(tenant, { kind: OperationKind.NODE_EVACUATE, targetId: nodeIds['crashA'] ?? '' });

  // kill it while it moves the second service (the first has moved)
  let seen: OperationEntity = op;
  const until = Date.now() + 60_000;
  while (!seen.steps.some((s) => s.name === 'move service svc-c-2' && s.state === 'RUNNING')) {
    if (Date.now() > until) throw new Error(`never reached the second move: ${JSON.stringify(seen.steps)}\n${first.log()}`);
    await new Promise((r) => setTimeout(r, 50));
    seen = await store.repos.operations.get(tenant, op.id);
  }
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const atKill = await store.repos.operations.get(tenant, op.id);
  expect(atKill.state).toBe(OperationState.RUNNING);
  expect(atKill.steps.find((s) => s.name === 'move service svc-c-1')?.state).toBe('SUCCEEDED');

  const second = spawnWorker('second');
  await second.ready;
  let done = atKill;
  const end = Date.now() + 120_000;
  while (done.state !== OperationState.SUCCEEDED && done.state !== OperationState.FAILED) {
    if (Date.now() > end) throw new Error(`not finished: ${JSON.stringify(done.steps)}\n${second.log()}`);
    await new Promise((r) => setTimeout(r, 200));
    done = await store.repos.operations.get(tenant, op.id);
  }
  expect(done).toMatchObject({ state: OperationState.SUCCEEDED, attempts: 2, error: null });
  expect(done.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
    'enter maintenance:SUCCEEDED',
    'plan placements:SUCCEEDED',
    'move service svc-c-1:SUCCEEDED',
    'move service svc-c-2:SUCCEEDED',
    'move service svc-c-3:SUCCEEDED',
  ]);
  for (const vm of VMS) {
    const on = await runningOn(vm);
    expect({ vm, on: on.length, onA: on.includes('crashA') }).toEqual({ vm, on: 1, onA: false });
    // once on crashA at set-up, once where it was moved to: never a second copy
    expect({ vm, starts: startsOf(vm) }).toEqual({ vm, starts: 2 });
  }
  const events = await store.repos.events.find(tenant, { objectId: op.id });
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['operation.started', 'operation.resumed', 'operation.succeeded']));
  // the first run's step 1 and 2 were not run again
  expect(events.filter((e) => e.type === 'operation.step_started' && e.message === 'enter maintenance')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'operation.step_started' && e.message === 'move service svc-c-1')).toHaveLength(1);
  for (const id of serviceIds) expect((await store.repos.services.get(tenant, id)).state).toBe(ServiceState.STARTED);
}, 240_000);
