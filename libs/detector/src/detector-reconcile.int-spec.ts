import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { NodeStatus } from '@haaas/domain';
import { runMigrations } from '@haaas/persistence';
import { QUEUES } from '@haaas/queue';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { alice, DetectorHarness, sleep, waitFor } from './detector.harness';
import { leaseKeys } from './detector.keys';
import type { FailureDetector } from './failure-detector';

/**
 * Redis loses everything (FLUSHALL, then a real restart of the server): the recovery job of the
 * open incident comes back, the token restarts above what MySQL has seen, and the failure is not
 * declared a second time.
 */
describe('failure detector: losing Redis', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let h: DetectorHarness;
  let detector: FailureDetector;
  let clusterId: string;
  let nodeId: string;
  let incidentId: string;

  const job = () => h.producer.queue(QUEUES.recovery).getJob(incidentId);
  const clusterToken = async () => Number((await h.store.repos.clusters.get(alice, clusterId)).detectorToken);

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['x'] });
    h = await DetectorHarness.open(db.url, redis.url);
    // as if many leaders came before: the next token is 42
    await h.redis.set(leaseKeys().token, '41');
    detector = h.detector();
    detector.start();
    await waitFor('the detector to lead', async () => detector.stats().leading);
    expect(detector.stats().token).toBe(42);

    clusterId = await h.startedCluster(alice, 'lossy');
    nodeId = await h.join(alice, clusterId, 'x.lossy.example.com', hosts.host('x').uri);
    const others = [await h.join(alice, clusterId, 'a.lossy.example.com'), await h.join(alice, clusterId, 'b.lossy.example.com')];
    for (const id of [nodeId, ...others]) h.beat(alice, clusterId, id);
    await waitFor('ONLINE', async () => (await h.node(alice, nodeId)).status === NodeStatus.ONLINE);
    await hosts.kill('x');
    h.silence(nodeId);
    const [incident] = await waitFor('the incident', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    incidentId = incident?.id as string;
    expect(await job()).toBeDefined();
    expect(await clusterToken()).toBe(42);
  });

  afterAll(async () => {
    await h?.close();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('after FLUSHALL: the open incident gets its recovery job back, the token goes above MySQL\'s, and nothing is declared twice', async () => {
    const requeuedBefore = detector.stats().requeued;
    const before = await job();
    await h.redis.flushall();
    const flushedAt = Date.now();
    // the lease and its counter are gone too: the detector loses the lease, takes token 1, is refused by
    // the clusters (42), lifts the counter above 42 and leads again
    await waitFor('the recovery job back', async () => (await job()) !== undefined, 15_000);
    const again = await job();
    // a new job (the old one went with Redis), under the same id
    expect(again?.timestamp).toBeGreaterThanOrEqual(flushedAt - 50);
    expect(again?.timestamp).not.toBe(before?.timestamp);
    expect(again?.name).toBe('incident.recover');
    expect(again?.data).toEqual({ tenantId: 'alice', incidentId });
    expect(detector.stats().requeued).toBeGreaterThan(requeuedBefore);
    await waitFor('leading with a token above 42', async () => detector.stats().leading && (detector.stats().token as number) > 42, 15_000);
    await waitFor('the cluster to carry it', async () => (await clusterToken()) === detector.stats().token);
    expect(detector.stats().writesRefused).toBeGreaterThanOrEqual(1);

    await sleep(1500);
    // the node's detector state was lost with Redis: it starts again from MySQL, where it is FAILED (declared)
    expect((await h.node(alice, nodeId)).status).toBe(NodeStatus.FAILED);
    expect(await h.incidents(alice, nodeId)).toHaveLength(1);
    expect((await h.events(alice, clusterId, { type: 'incident.opened' })).length).toBe(1);
  });

  it('after a restart of the Redis server: the same, once it answers again', async () => {
    const port = redis.port;
    const tokenBefore = detector.stats().token as number;
    await redis.stop();
    await sleep(1500); // the lease lapses locally meanwhile; ticks and renewals fail and are logged
    expect(detector.stats().leading).toBe(false);
    redis = await startRedis({ dataDir: redisDir, port });
    await waitFor('the recovery job back', async () => (await job()) !== undefined, 20_000);
    await waitFor('leading again, above the old token', async () => detector.stats().leading && (detector.stats().token as number) > tokenBefore, 15_000);
    await sleep(1000);
    expect(await h.incidents(alice, nodeId)).toHaveLength(1);
    expect((await h.node(alice, nodeId)).status).toBe(NodeStatus.FAILED);
    // healthy nodes beat again into the new Redis and stay ONLINE
    const nodes = await h.store.repos.nodes.find(alice, { clusterId });
    expect(nodes.filter((n) => n.id !== nodeId).map((n) => n.status)).toEqual([NodeStatus.ONLINE, NodeStatus.ONLINE]);
  });
});
