import Redis from 'ioredis';
import { DEFAULT_TENANT_QUOTA, Hypervisor, NotFoundError, OperationState, TenantScope } from '@haaas/domain';
import { appendEvent, ClusterService, QuotaService } from '@haaas/management';
import { EventEntity, OperationEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { createTestDatabase, markerEventType, TestDatabase, testRedisUrl } from '@haaas/testing';
import { AsyncQueue } from './async-queue';
import { ClusterEventFeed } from './cluster-event.feed';
import { LiveSignalListener, LiveSignalPublisher } from './live-signals';
import { OperationFeed } from './operation.feed';

/**
 * The live feeds on real MariaDB and Redis: what a subscriber receives, in which order, from which
 * writer, and what it never receives.
 */
const alice = TenantScope.of('alice', { subject: 'alice@example.com', roles: ['member'] });
const bob = TenantScope.of('bob', { subject: 'bob@example.com', roles: ['member'] });
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let db: TestDatabase;
let ds: DataSource;
let store: Store;
let pub: Redis;
let sub: Redis;
let publisher: LiveSignalPublisher;
let listener: LiveSignalListener;
let aliceCluster: string;
let aliceOther: string;
let bobCluster: string;
const feeds: { close(): void }[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds);
  const url = testRedisUrl(14);
  pub = new Redis(url);
  sub = new Redis(url);
  publisher = new LiveSignalPublisher(pub);
  listener = new LiveSignalListener(sub);
  const clusters = new ClusterService(store, new QuotaService(DEFAULT_TENANT_QUOTA));
  aliceCluster = (await clusters.create(alice, { name: 'a1', hypervisor: Hypervisor.KVM })).id;
  aliceOther = (await clusters.create(alice, { name: 'a2', hypervisor: Hypervisor.KVM })).id;
  bobCluster = (await clusters.create(bob, { name: 'b1', hypervisor: Hypervisor.KVM })).id;
});

afterAll(async () => {
  for (const f of feeds) f.close();
  await pub?.quit();
  await sub?.quit();
  await ds?.destroy();
  await db?.drop();
});

function eventFeed(pollMs: number): ClusterEventFeed {
  const feed = new ClusterEventFeed(store, listener, { pollMs, overlapMs: 5000, bufferLimit: 50 });
  feeds.push(feed);
  return feed;
}

/** Appends one event in its own transaction (what every application service does). */
async function append(scope: TenantScope, clusterId: string, type: string): Promise<void> {
  await store.transaction((repos) => appendEvent(repos, scope, { clusterId, type: markerEventType(type), objectType: 'Cluster', objectId: clusterId }));
}

/** Everything the queue yields within `ms`. */
async function drain<T>(queue: AsyncQueue<T>, count: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const next = await Promise.race([queue.next(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left))]);
    if (next === 'timeout' || next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('ClusterEventFeed', () => {
  it('sends each event of the cluster appended after subscribing, once, in order, and nothing of other clusters or tenants', async () => {
    const feed = eventFeed(60_000);
    await append(alice, aliceCluster, 'test.before');
    const q = await feed.subscribe(alice, aliceCluster);
    for (const t of ['test.one', 'test.two', 'test.three']) {
      await append(alice, aliceCluster, t);
      await append(alice, aliceOther, `${t}.other`);
      await append(bob, bobCluster, `${t}.bob`);
      await publisher.clusterEvents(alice, aliceCluster);
      await publisher.clusterEvents(bob, bobCluster);
    }
    const got = await drain(q, 10, 2000);
    expect(got.map((e) => e.type)).toEqual(['test.one', 'test.two', 'test.three']);
    expect(got.every((e) => e.tenantId === 'alice' && e.clusterId === aliceCluster)).toBe(true);
    await q.return();
    expect(feed.openTaps).toBe(0);
    expect(listener.channels).toEqual([]);
  });

  it("refuses another tenant's cluster with NOT_FOUND before anything is sent", async () => {
    const feed = eventFeed(60_000);
    await expect(feed.subscribe(bob, aliceCluster)).rejects.toBeInstanceOf(NotFoundError);
    expect(feed.openTaps).toBe(0);
  });

  it('wakes up on a Redis signal at once (the poll here is a minute away), and polls for writers that send none', async () => {
    const woken = await eventFeed(60_000).subscribe(alice, aliceCluster);
    await append(alice, aliceCluster, 'test.signalled');
    await publisher.tenantEvents('alice');
    expect((await drain(woken, 1, 3000)).map((e) => e.type)).toEqual(['test.signalled']);
    await woken.return();

    const polled = await eventFeed(200).subscribe(alice, aliceCluster);
    await append(alice, aliceCluster, 'test.unsignalled');
    expect((await drain(polled, 1, 3000)).map((e) => e.type)).toEqual(['test.unsignalled']);
    await polled.return();
  });

  it('delivers an event whose transaction commits after a newer one was sent (its id is older), without a repeat', async () => {
    const q = await eventFeed(60_000).subscribe(alice, aliceCluster);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let minted: () => void = () => undefined;
    const mintedP = new Promise<void>((r) => (minted = r));
    // the slow writer mints its event id first and commits last
    const slow = store.transaction(async (repos) => {
      await appendEvent(repos, alice, { clusterId: aliceCluster, type: markerEventType('test.slow'), objectType: 'Cluster', objectId: aliceCluster });
      minted();
      await held;
    });
    await mintedP;
    await append(alice, aliceCluster, 'test.fast');
    await publisher.clusterEvents(alice, aliceCluster);
    const first = await drain(q, 1, 3000);
    expect(first.map((e) => e.type)).toEqual(['test.fast']);
    release();
    await slow;
    await publisher.clusterEvents(alice, aliceCluster);
    const second = await drain(q, 5, 1500);
    expect(second.map((e) => e.type)).toEqual(['test.slow']);
    expect((second[0]?.id ?? '') < (first[0]?.id ?? '')).toBe(true);
    await q.return();
  });

  it('resumes after an event id: the events after it, then the live ones, without gap or repeat', async () => {
    for (const t of ['test.r1', 'test.r2', 'test.r3']) await append(alice, aliceOther, t);
    const log = await store.repos.events.find(alice, { clusterId: aliceOther });
    const r1 = log.find((e) => e.type === 'test.r1');
    const feed = eventFeed(60_000);
    // another subscriber keeps the tap open, so the resumed one joins a running tap
    const other = await feed.subscribe(alice, aliceOther);
    const resumed = await feed.subscribe(alice, aliceOther, r1?.id ?? null);
    await append(alice, aliceOther, 'test.r4');
    await publisher.clusterEvents(alice, aliceOther);
    const got = await drain(resumed, 10, 1500);
    expect(got.map((e) => e.type)).toEqual(['test.r2', 'test.r3', 'test.r4']);
    expect((await drain(other, 10, 500)).map((e) => e.type)).toEqual(['test.r4']);
    await resumed.return();
    await other.return();
  });

  it('ends a subscriber that falls too far behind, with an error it can act on', async () => {
    const q = await eventFeed(60_000).subscribe(alice, aliceCluster);
    for (let i = 0; i < 60; i++) await append(alice, aliceCluster, 'test.flood');
    await publisher.clusterEvents(alice, aliceCluster);
    const got: EventEntity[] = [];
    await expect(
      (async () => {
        await new Promise((r) => setTimeout(r, 1000));
        for (;;) {
          const n = await q.next();
          if (n.done) return;
          got.push(n.value);
        }
      })(),
    ).rejects.toThrow(/fell 50 items behind/);
  });
});

describe('OperationFeed', () => {
  async function newOperation(): Promise<OperationEntity> {
    return store.repos.operations.create(alice, {
      clusterId: aliceCluster,
      kind: 'CLUSTER_SUSPEND',
      targetType: 'CLUSTER',
      targetId: aliceCluster,
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
  }

  async function change(id: string, fn: (op: OperationEntity) => void): Promise<void> {
    await store.transaction(async (repos) => {
      const op = await repos.operations.lock(alice, id);
      fn(op);
      await repos.operations.save(alice, op);
    });
    await publisher.operation(alice, id);
  }

  it('sends the state now, then every change, and completes when the operation ends', async () => {
    const op = await newOperation();
    const feed = new OperationFeed(store, listener, { pollMs: 60_000 });
    feeds.push(feed);
    const q = await feed.subscribe(alice, op.id);
    await change(op.id, (o) => {
      o.state = OperationState.RUNNING;
      o.progress = 10;
    });
    await drain(q, 2, 2000).then((got) => expect(got.map((o) => [o.state, o.progress])).toEqual([['PENDING', 0], ['RUNNING', 10]]));
    await change(op.id, (o) => {
      o.state = OperationState.SUCCEEDED;
      o.progress = 100;
    });
    const rest = await drain(q, 5, 2000);
    expect(rest.map((o) => o.state)).toEqual(['SUCCEEDED']);
    expect(await q.next()).toEqual({ value: undefined, done: true });
    // a finished operation: its final state, and done
    const late = await feed.subscribe(alice, op.id);
    expect((await drain(late, 5, 500)).map((o) => o.state)).toEqual(['SUCCEEDED']);
    await expect(feed.subscribe(bob, op.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
