import Redis from 'ioredis';
import { processesMatching } from '@haaas/adapter-kvm/testing';
import { IncidentState, NodeStatus, ServiceState } from '@haaas/domain';
import { OperationEntity, openDataSource, Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { createTestDatabase, testRedisUrl } from '@haaas/testing';
import { FAILBACK_ACTOR, FailbackScheduler, failbackScope } from './failback.scheduler';
import { LiveSignalPublisher } from './live/live-signals';
import { OperationsService } from './operations.service';
import { OperationKind, OperationState } from './operation.types';
import { OperationsLab, startOperationsLab } from './testing/operations-lab';

/**
 * Failback end to end below the API: real MariaDB, Redis and BullMQ workers, three simulated KVM
 * hosts (libvirtd test driver); where a VM runs is read back with a bare virsh on the host.
 */
let lab: OperationsLab;
let store: Store;
let operations: OperationsService;
const alice = (): OperationsLab['scope'] => lab.scope;

beforeAll(async () => {
  lab = await startOperationsLab({ hosts: ['fbA', 'fbB', 'fbC'], database: createTestDatabase, redisUrl: testRedisUrl(14), clusterName: 'fb' });
  store = lab.store;
  operations = lab.operations;
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (lab) expect(processesMatching(lab.peer.dir)).toEqual([]);
});

async function failbacksOf(serviceId: string): Promise<OperationEntity[]> {
  return (await store.repos.operations.find(alice(), { targetId: serviceId })).filter((o) => o.requestedBy === FAILBACK_ACTOR);
}

describe('failback', () => {
  let ordered: { serviceId: string; vm: string };
  let pinned: { serviceId: string; vm: string };
  let anywhere: { serviceId: string; vm: string };

  beforeAll(async () => {
    ordered = await lab.serviceOn('ordered', await lab.domain('prefer-a', true, false), 'fbB');
    pinned = await lab.serviceOn('pinned', await lab.domain('prefer-a-nofailback', true, true), 'fbB');
    anywhere = await lab.serviceOn('anywhere', await lab.domain('any-of-abc', false, false), 'fbB');
  }, 120_000);

  it('leaves services where they are while the preferred node has just come back, and while it flaps', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 30 });
    // fbA went away and has just returned
    await lab.setStatus('fbA', NodeStatus.OFFLINE);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    await lab.setStatus('fbA', NodeStatus.ONLINE);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    // it flaps: away again, back again; each return starts the wait over
    await lab.setStatus('fbA', NodeStatus.OFFLINE);
    await lab.setStatus('fbA', NodeStatus.ONLINE, Date.now() - 20_000);
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await scheduler.runOnce(Date.now() + 5_000)).toEqual({ clusters: 1, scheduled: 0 });
    for (const s of [ordered, pinned, anywhere]) {
      expect(await failbacksOf(s.serviceId)).toEqual([]);
      expect(await lab.runningOn(s.vm)).toEqual(['fbB']);
    }
  });

  it('does not fail back to a node with an open incident (the rest of the cluster is not held: operations/service-watch-failed.int-spec)', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
    await lab.setStatus('fbA', NodeStatus.ONLINE, Date.now() - 10_000);
    // what the detector opens when a node fails (only its row matters here)
    const incident = await store.repos.incidents.create(alice(), {
      clusterId: lab.clusterId,
      nodeId: lab.id('fbA'),
      idempotencyKey: `test-incident-${Date.now()}`,
      state: IncidentState.AWAITING_OPERATOR,
      source: 'DETECTOR',
      reason: 'test: fbA failed, its fence too',
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
      await store.repos.incidents.delete(alice(), { id: incident.id });
    }
    expect(await failbacksOf(ordered.serviceId)).toEqual([]);
  });

  it('moves a service of an ordered domain back once its preferred node has been ONLINE for the stabilisation time; nofailback and unordered stay', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 2, intervalMs: 200 });
    await lab.setStatus('fbA', NodeStatus.OFFLINE);
    const backAt = Date.now();
    await lab.setStatus('fbA', NodeStatus.ONLINE, backAt);
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
    expect(op).toMatchObject({ kind: OperationKind.SERVICE_RELOCATE, targetId: ordered.serviceId, params: { targetNodeId: lab.id('fbA') } });
    expect((await lab.settled(op.id)).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn(ordered.vm)).toEqual(['fbA']);
    expect(await store.repos.services.get(alice(), ordered.serviceId)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: lab.id('fbA') });

    const event = (await store.repos.events.find(alice(), { serviceId: ordered.serviceId })).find((e) => e.type === 'service.failback_scheduled');
    expect(event).toMatchObject({ actor: FAILBACK_ACTOR, nodeId: lab.id('fbA'), before: { nodeId: lab.id('fbB') }, after: { nodeId: lab.id('fbA'), operationId: op.id } });
    expect(event?.message).toMatch(/^service "ordered" moves back from fbb\.example\.com to fba\.example\.com/);

    for (const s of [pinned, anywhere]) {
      expect(await failbacksOf(s.serviceId)).toEqual([]);
      expect(await lab.runningOn(s.vm)).toEqual(['fbB']);
    }
    // asked once per ONLINE period: further passes schedule nothing more
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await failbacksOf(ordered.serviceId)).toHaveLength(1);
  }, 60_000);

  it('ignores a service another operation is busy with, without error', async () => {
    const scheduler = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
    const busy = await lab.serviceOn('busy', await lab.domain('prefer-a-2', true, false), 'fbB');
    // a user's operation on the service, not yet taken by a worker (written, not queued)
    const other = await store.repos.operations.create(alice(), {
      clusterId: lab.clusterId,
      kind: OperationKind.SERVICE_RESTART,
      targetType: 'SERVICE',
      targetId: busy.serviceId,
      state: OperationState.PENDING,
      progress: 0,
      steps: [],
      params: {},
      error: null,
      attempts: 0,
      requestedBy: 'alice()@example.com',
      idempotencyKey: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(await scheduler.runOnce()).toEqual({ clusters: 1, scheduled: 0 });
    expect(await failbacksOf(busy.serviceId)).toEqual([]);
    await store.transaction(async (repos) => {
      const op = await repos.operations.lock(alice(), other.id);
      op.state = OperationState.SUCCEEDED;
      await repos.operations.save(alice(), op);
    });
    await scheduler.runOnce();
    const ops = await failbacksOf(busy.serviceId);
    expect(ops).toHaveLength(1);
    expect((await lab.settled((ops[0] as OperationEntity).id)).state).toBe(OperationState.SUCCEEDED);
    expect(await lab.runningOn(busy.vm)).toEqual(['fbA']);
  }, 60_000);

  it('schedules one operation and logs one event when two workers race (each with its own connections)', async () => {
    const raced = await lab.serviceOn('raced', await lab.domain('prefer-a-3', true, false), 'fbB');
    // a second worker: its own pool of MariaDB connections, its own Redis connection and producer
    const ds2 = await openDataSource({ url: lab.dbUrl });
    const redis2 = new Redis(testRedisUrl(14), { maxRetriesPerRequest: 3 });
    const producer2 = new JobProducer(redis2);
    try {
      const store2 = new Store(ds2);
      const first = new FailbackScheduler(store, operations, { stabilisationSeconds: 1 });
      const second = new FailbackScheduler(store2, new OperationsService(store2, producer2, new LiveSignalPublisher(redis2)), { stabilisationSeconds: 1 });
      const failbackOps = async () => (await store.repos.operations.find(alice(), { clusterId: lab.clusterId })).filter((o) => o.requestedBy === FAILBACK_ACTOR);
      const failbackEvents = () => store.repos.events.find(alice(), { clusterId: lab.clusterId, type: 'service.failback_scheduled' });
      const opsBefore = new Set((await failbackOps()).map((o) => o.id));
      const eventsBefore = (await failbackEvents()).length;
      // both read the cluster before either writes: each would ask for the failback
      const system = failbackScope(alice().tenantId);
      const passes = await Promise.all([first.runCluster(system, lab.clusterId), second.runCluster(system, lab.clusterId)]);
      // what the two passes say they scheduled is what was created, and logged once each
      const created = (await failbackOps()).filter((o) => !opsBefore.has(o.id));
      expect(passes[0] + passes[1]).toBe(created.length);
      expect((await failbackEvents()).length - eventsBefore).toBe(created.length);
      const ops = await failbacksOf(raced.serviceId);
      expect(ops).toHaveLength(1);
      const op = ops[0] as OperationEntity;
      const events = await store.repos.events.find(alice(), { serviceId: raced.serviceId, type: 'service.failback_scheduled' });
      expect(events).toHaveLength(1);
      expect(events[0]?.after).toMatchObject({ operationId: op.id, nodeId: lab.id('fbA') });
      expect(await store.repos.events.count(alice(), { objectId: op.id, type: 'operation.requested' })).toBe(1);
      // later passes of either find it asked for
      expect(await Promise.all([first.runCluster(system, lab.clusterId), second.runCluster(system, lab.clusterId)])).toEqual([0, 0]);
      for (const o of created) expect((await lab.settled(o.id)).state).toBe(OperationState.SUCCEEDED);
      expect(await lab.runningOn(raced.vm)).toEqual(['fbA']);
      expect(await store.repos.events.count(alice(), { serviceId: raced.serviceId, type: 'service.failback_scheduled' })).toBe(1);
    } finally {
      await producer2.close();
      await redis2.quit();
      await ds2.destroy();
    }
  }, 60_000);
});
