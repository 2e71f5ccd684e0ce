import Redis from 'ioredis';
import { DEFAULT_TENANT_QUOTA, Hypervisor, SystemActor, TenantScope } from '@haaas/domain';
import { appendEvent, ClusterService, QuotaService } from '@haaas/management';
import { CommittedEvent, EventEntity, openDataSource, runMigrations, Store } from '@haaas/persistence';
import { createTestDatabase, markerEventType, TestDatabase, testRedisUrl } from '@haaas/testing';
import { AsyncQueue } from './async-queue';
import { ClusterEventFeed } from './cluster-event.feed';
import { LiveCommitBridge } from './live-commit.bridge';
import { clusterEventsChannel, LiveSignalListener, LiveSignalPublisher } from './live-signals';

/**
 * Every committed cluster event wakes its cluster's listeners, whoever wrote it (here: plain
 * transactions outside the API, as the detector and the recovery engine write), right after the
 * commit and never for a rollback. Real MariaDB and Redis (db 1; pub/sub itself is not per db,
 * the channels carry fresh cluster ids). The feeds poll once a minute here, so an event that
 * arrives within the test arrived because of a wake-up.
 */
const robot = TenantScope.system('live-commit', SystemActor.Recovery);
type DataSource = Awaited<ReturnType<typeof openDataSource>>;

let db: TestDatabase;
let ds: DataSource;
let store: Store;
const storeLog: string[] = [];
let pub: Redis;
let sub: Redis;
let counter: Redis;
let bridge: LiveCommitBridge;
let feed: ClusterEventFeed;
let clusterA: string;
let clusterB: string;
/** PUBLISHes seen per channel, on a connection of its own. */
const messages = new Map<string, number>();
const BARRIER = `haaas:test:live-commit:barrier:${process.pid}`;
let barriers = 0;
let barrierSeen = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations({ url: db.url });
  ds = await openDataSource({ url: db.url });
  store = new Store(ds, { log: (line) => storeLog.push(line) });
  const url = testRedisUrl(1);
  pub = new Redis(url);
  sub = new Redis(url);
  counter = new Redis(url);
  const publisher = new LiveSignalPublisher(pub);
  bridge = new LiveCommitBridge(store, publisher);
  bridge.start();
  feed = new ClusterEventFeed(store, new LiveSignalListener(sub), { pollMs: 60_000 });
  const clusters = new ClusterService(store, new QuotaService(DEFAULT_TENANT_QUOTA));
  clusterA = (await clusters.create(robot, { name: 'a', hypervisor: Hypervisor.KVM })).id;
  clusterB = (await clusters.create(robot, { name: 'b', hypervisor: Hypervisor.KVM })).id;
  counter.on('message', (channel: string) => {
    if (channel === BARRIER) barrierSeen++;
    else messages.set(channel, (messages.get(channel) ?? 0) + 1);
  });
  await counter.subscribe(clusterEventsChannel(robot.tenantId, clusterA), clusterEventsChannel(robot.tenantId, clusterB), BARRIER);
});

afterAll(async () => {
  bridge?.close();
  feed?.close();
  for (const r of [pub, sub, counter]) await r?.quit();
  await ds?.destroy();
  await db?.drop();
});

const wakeups = (clusterId: string): number => messages.get(clusterEventsChannel(robot.tenantId, clusterId)) ?? 0;

/** Every message published before this call has reached the counting connection (Redis keeps one connection's order). */
async function barrier(): Promise<void> {
  const want = ++barriers;
  await pub.publish(BARRIER, '1');
  await until(() => barrierSeen >= want, 'the barrier message never arrived');
}

async function until(ok: () => boolean, message: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next `count` events of the queue, or fewer if it stays silent for `ms`. */
async function take(queue: AsyncQueue<EventEntity>, count: number, ms = 10_000): Promise<EventEntity[]> {
  const out: EventEntity[] = [];
  while (out.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([queue.next(), new Promise<'silent'>((r) => (timer = setTimeout(() => r('silent'), ms)))]);
    clearTimeout(timer);
    if (next === 'silent' || next.done) break;
    out.push(next.value);
  }
  return out;
}

const draft = (clusterId: string, type: string) => ({ clusterId, type: markerEventType(type), objectType: 'Cluster' as const, objectId: clusterId });

describe('live wake-ups after commit (Store.afterCommit, LiveCommitBridge)', () => {
  it('wakes a subscriber of the cluster once per committed transaction, at once, for an event written outside the API', async () => {
    const q = await feed.subscribe(robot, clusterA);
    await barrier();
    const before = { a: wakeups(clusterA), b: wakeups(clusterB) };
    const started = performance.now();
    await store.transaction(async (repos) => {
      await appendEvent(repos, robot, draft(clusterA, 'test.incident_opened'));
      await appendEvent(repos, robot, draft(clusterA, 'test.node_fenced'));
      await appendEvent(repos, robot, draft(clusterB, 'test.elsewhere'));
    });
    const committed = performance.now();
    const got = await take(q, 2);
    const delivered = performance.now();
    expect(got.map((e) => e.type)).toEqual(['test.incident_opened', 'test.node_fenced']);
    await barrier();
    // one wake-up per cluster of the transaction, however many events it appended
    expect(wakeups(clusterA) - before.a).toBe(1);
    expect(wakeups(clusterB) - before.b).toBe(1);
    console.log(`live-commit: transaction ${(committed - started).toFixed(1)} ms, commit -> subscriber ${(delivered - committed).toFixed(1)} ms (the poll would be up to 60 s here, 2 s by default)`);
    await q.return();
  });

  it('does not wake anyone for a rolled-back transaction, nor run its after-commit work', async () => {
    const q = await feed.subscribe(robot, clusterA);
    await barrier();
    const before = wakeups(clusterA);
    let ran = 0;
    await expect(
      store.transaction(async (repos) => {
        await appendEvent(repos, robot, draft(clusterA, 'test.rolled_back'));
        repos.afterCommit.run(() => void ran++);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await barrier();
    expect(wakeups(clusterA)).toBe(before);
    expect(ran).toBe(0);
    expect(await store.repos.events.count(robot, { type: 'test.rolled_back' })).toBe(0);
    // the subscriber is still there and quiet: the next committed event is the next thing it gets
    await store.transaction((repos) => appendEvent(repos, robot, draft(clusterA, 'test.after_rollback')));
    expect((await take(q, 1)).map((e) => e.type)).toEqual(['test.after_rollback']);
    await q.return();
  });

  it('tells observers only after the commit (the rows are readable by another connection), and only the attempt that committed', async () => {
    const seen: { events: readonly CommittedEvent[]; visible: number }[] = [];
    const stop = store.observeCommits(async (events) => {
      // read outside the transaction: a row not yet committed would not be there
      const visible = (await store.repos.events.findByIds(robot, events.map((e) => e.eventId))).length;
      seen.push({ events, visible });
    });
    try {
      let attempt = 0;
      await store.transaction(async (repos) => {
        attempt++;
        await appendEvent(repos, robot, draft(clusterB, `test.attempt_${attempt}`));
        // InnoDB's deadlock victim: rolled back whole and run again by the Store
        if (attempt === 1) throw Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213 });
      });
      expect(attempt).toBe(2);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.events.map((e) => [e.type, e.tenantId, e.clusterId])).toEqual([['test.attempt_2', robot.tenantId, clusterB]]);
      const stored = await store.repos.events.find(robot, { clusterId: clusterB, type: 'test.attempt_2' });
      expect(seen[0]?.events[0]?.eventId).toBe(stored[0]?.id);
      expect(seen[0]?.visible).toBe(1);
    } finally {
      stop();
    }
  });

  it('logs a failing after-commit step and keeps the transaction committed', async () => {
    const stop = store.observeCommits(() => {
      throw new Error('observer broke');
    });
    try {
      const result = await store.transaction(async (repos) => {
        await appendEvent(repos, robot, draft(clusterB, 'test.kept'));
        repos.afterCommit.run(() => Promise.reject(new Error('callback broke')));
        return 'done';
      });
      expect(result).toBe('done');
      expect(await store.repos.events.count(robot, { type: 'test.kept' })).toBe(1);
      expect(storeLog.join('\n')).toContain('observer broke');
      expect(storeLog.join('\n')).toContain('callback broke');
    } finally {
      stop();
    }
  });

  it('wakes the cluster for an event written outside any transaction too', async () => {
    const q = await feed.subscribe(robot, clusterB);
    await appendEvent(store.repos, robot, draft(clusterB, 'test.autocommit'));
    expect((await take(q, 1)).map((e) => e.type)).toEqual(['test.autocommit']);
    await q.return();
  });

  it('after close, commits wake nobody (the feed falls back to its poll)', async () => {
    const q = await feed.subscribe(robot, clusterA);
    bridge.close();
    try {
      await barrier();
      const before = wakeups(clusterA);
      await store.transaction((repos) => appendEvent(repos, robot, draft(clusterA, 'test.unannounced')));
      await barrier();
      expect(wakeups(clusterA)).toBe(before);
      expect(await take(q, 1, 500)).toEqual([]);
    } finally {
      bridge.start();
      await q.return();
    }
  });
});
