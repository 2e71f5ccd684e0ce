import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { NodeStatus } from '@haaas/domain';
import { runMigrations } from '@haaas/persistence';
import type { Repositories } from '@haaas/persistence';
import { createTestDatabase, markerEventType, TestDatabase } from '@haaas/testing';
import { appendEvent } from '@haaas/management';
import { alice, DetectorHarness, sleep, waitFor } from './detector.harness';
import { DetectorStore, detectorScope, StaleDetectorTokenError } from './detector.store';
import type { FailureDetector } from './failure-detector';

/** Two detectors at once, as two worker processes (each with its own Redis connections), on one MariaDB and one Redis. */
describe('failure detector: one leader at a time, and fencing tokens', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let h: DetectorHarness;

  const leading = (d: FailureDetector) => waitFor(`${d.settings.holder} to lead`, async () => d.stats().leading);
  const clusterToken = async (clusterId: string) => Number((await h.store.repos.clusters.get(alice, clusterId)).detectorToken);

  // a longer lease than the other files: under a loaded machine (parallel test files, MariaDB,
  // libvirtd) a 1.5 s lease can lapse between two renewals, which is not what these tests are about
  const LEASE = { leaseMs: 3000, renewEveryMs: 600 };
  let resumeAll: (() => void)[] = [];
  afterEach(() => {
    for (const r of resumeAll) r();
    resumeAll = [];
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['h1'] });
    h = await DetectorHarness.open(db.url, redis.url);
  });

  afterAll(async () => {
    await h?.close();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('lets exactly one of two detectors evaluate, and the other take over with a higher token when the first stops', async () => {
    const clusterId = await h.startedCluster(alice, 'two');
    for (const name of ['a', 'b', 'c']) h.beat(alice, clusterId, await h.join(alice, clusterId, `${name}.two.example.com`));
    const a = h.detector(LEASE, {}, 'a');
    const b = h.detector(LEASE, {}, 'b');
    a.start();
    await leading(a);
    b.start();
    await sleep(2500); // b tries to acquire 4 times meanwhile
    expect(a.stats().evaluations).toBeGreaterThan(5);
    expect(b.stats()).toMatchObject({ leading: false, evaluations: 0, ticks: 0 });
    expect(await a.lease.currentHolder()).toEqual({ holder: 'a', token: a.stats().token });
    expect(await clusterToken(clusterId)).toBe(a.stats().token);

    const tokenA = a.stats().token as number;
    await a.stop(); // releases the lease: no need to wait for it to expire
    await leading(b);
    expect(b.stats().token).toBeGreaterThan(tokenA);
    // the new leader fences the old one out of the cluster on its first tick, before anything changes there
    await waitFor('the cluster to carry the new token', async () => (await clusterToken(clusterId)) === b.stats().token);
    const evaluationsA = a.stats().evaluations;
    await sleep(600);
    expect(a.stats().evaluations).toBe(evaluationsA);
    expect(b.stats().evaluations).toBeGreaterThan(0);
    await b.stop();
  });

  it("refuses the writes of a leader paused past its lease: its successor declares the failure, one incident, the paused one's declaration is refused", async () => {
    const clusterId = await h.startedCluster(alice, 'paused');
    const nodeId = await h.join(alice, clusterId, 'x.paused.example.com', hosts.host('h1').uri);
    const others = [await h.join(alice, clusterId, 'a.paused.example.com'), await h.join(alice, clusterId, 'b.paused.example.com')];
    for (const id of [nodeId, ...others]) h.beat(alice, clusterId, id);

    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    resumeAll.push(() => resume()); // never leave the paused detector hanging, even when an assertion fails
    let pausedAt: number | null = null;
    let pausedToken = 0;
    // a process pause at the worst moment: after deciding to declare and checking the lease, before writing
    const paused: FailureDetector = h.detector(
      LEASE,
      {
        beforeWrite: async (w) => {
          if (!w.declares.includes(nodeId) || pausedAt !== null) return;
          pausedAt = Date.now();
          pausedToken = w.token;
          paused.lease.suspend(); // a paused process renews nothing either
          await resumed;
        },
      },
      'paused',
    );
    paused.start();
    await leading(paused);
    const successor = h.detector(LEASE, {}, 'successor');
    successor.start();
    await waitFor(`${nodeId} ONLINE`, async () => (await h.node(alice, nodeId)).status === NodeStatus.ONLINE);

    await hosts.kill('h1');
    h.silence(nodeId);
    await waitFor('the leader to pause just before declaring', async () => pausedAt !== null);
    await leading(successor);
    const successorToken = successor.stats().token as number;
    expect(successorToken).toBeGreaterThan(pausedToken);
    expect(Date.now() - (pausedAt as unknown as number)).toBeGreaterThanOrEqual(paused.settings.leaseMs - paused.settings.renewEveryMs);

    const [incident] = await waitFor('the successor to declare', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    expect(incident?.detectorToken).toBe(String(successorToken));

    // the paused leader wakes up and carries on with its (now stale) declaration
    paused.lease.resume();
    resume();
    await waitFor('the stale write to be refused', async () => paused.stats().writesRefused >= 1);
    expect(paused.stats().leading).toBe(false);
    expect(h.logs.some((l) => l.startsWith('paused warn') && l.includes(`detector token ${pausedToken} refused on cluster ${clusterId}`))).toBe(true);
    await sleep(1000);
    expect(await h.incidents(alice, nodeId)).toHaveLength(1);
    const types = (await h.events(alice, clusterId, { nodeId })).map((e) => e.type);
    expect(types.filter((t) => t === 'incident.opened')).toHaveLength(1);
    expect(types.filter((t) => t === 'node.failed')).toHaveLength(1);
    expect(await clusterToken(clusterId)).toBe(successorToken);
    expect(successor.stats().leading).toBe(true);
    expect(await successor.lease.currentHolder()).toEqual({ holder: 'successor', token: successorToken });
    await Promise.all([paused.stop(), successor.stop()]);
  });

  it('checks the token under the cluster row lock: a lower token is refused before anything is written, also while a higher one is mid-write', async () => {
    const clusterId = await h.startedCluster(alice, 'fenced');
    const fenced = new DetectorStore(h.store);
    const scope = detectorScope('alice');
    const mark = (type: string) => (repos: Repositories) =>
      appendEvent(repos, scope, { clusterId, type: markerEventType(type), objectType: 'Cluster', objectId: clusterId });
    await fenced.fenced(scope, clusterId, 100, mark('test.t100'));
    expect(await clusterToken(clusterId)).toBe(100);
    await expect(fenced.fenced(scope, clusterId, 99, mark('test.t99'))).rejects.toBeInstanceOf(StaleDetectorTokenError);
    await fenced.fenced(scope, clusterId, 100, mark('test.t100-again')); // the same leader, again

    // 150 starts writing and holds the row; 120 arrives meanwhile and must wait, then be refused
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const slow = fenced.fenced(scope, clusterId, 150, async (repos) => {
      inside();
      await sleep(500);
      await mark('test.t150')(repos);
    });
    await entered;
    const started = Date.now();
    await expect(fenced.fenced(scope, clusterId, 120, mark('test.t120'))).rejects.toMatchObject({ name: 'StaleDetectorTokenError', current: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await slow;
    const types = (await h.events(alice, clusterId)).map((e) => e.type).filter((t) => t.startsWith('test.'));
    expect(types).toEqual(['test.t100', 'test.t100-again', 'test.t150']);
    expect(await clusterToken(clusterId)).toBe(150);
  });
});
