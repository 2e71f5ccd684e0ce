import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { clusterHealth, NodeStatus } from '@haaas/domain';
import Redis from 'ioredis';
import { runMigrations } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { alice, DetectorHarness, FAST_POLICY, FAST_SETTINGS, sleep, waitFor } from './detector.harness';
import { clusterHealthStatus, DetectorViewReader } from './detector-view.reader';
import type { FailureDetector } from './failure-detector';

describe('failure detector: quorum and flapping', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let h: DetectorHarness;
  let detector: FailureDetector;
  let viewRedis: Redis;
  /** cluster.status as the API computes it (the resolver's one call), and what the node rows alone would say. */
  const status = async (clusterId: string) => {
    const view = await new DetectorViewReader(viewRedis).read(alice, clusterId);
    const rows = clusterHealth((await h.store.repos.nodes.find(alice, { clusterId })).map((n) => n.status));
    return { shown: clusterHealthStatus(view, rows, { deadtimeSeconds: 2, nowMs: Date.now() }), rows };
  };

  const node = (id: string) => h.node(alice, id);
  const online = (id: string) => waitFor(`${id} ONLINE`, async () => (await node(id)).status === NodeStatus.ONLINE);
  const count = async (clusterId: string, type: string) => (await h.events(alice, clusterId, { type })).length;

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['q1', 'q2', 'f1', 'g1'] });
    h = await DetectorHarness.open(db.url, redis.url);
    // flaps: outages longer than 2.5 intervals and shorter than 8 s (15 s by default, shortened for the test)
    detector = h.detector({ detection: { ...FAST_SETTINGS.detection, flapMaxOutageSeconds: 8 } });
    detector.start();
    await waitFor('the detector to lead', async () => detector.stats().leading);
    viewRedis = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    viewRedis?.disconnect();
    await h?.close();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('declares nothing while the cluster is not quorate, logs the loss and the return of quorum once each, and declares once quorum is back', async () => {
    const clusterId = await h.startedCluster(alice, 'quorum');
    const q1 = await h.join(alice, clusterId, 'q1.example.com', hosts.host('q1').uri);
    const q2 = await h.join(alice, clusterId, 'q2.example.com', hosts.host('q2').uri);
    const q3 = await h.join(alice, clusterId, 'q3.example.com');
    for (const id of [q1, q2, q3]) h.beat(alice, clusterId, id);
    await Promise.all([q1, q2, q3].map(online));
    expect(await count(clusterId, 'cluster.quorum_lost')).toBe(0);

    // two of three go silent with dead hypervisors: a cut-off control plane looks the same
    await Promise.all([hosts.kill('q1'), hosts.kill('q2')]);
    h.silence(q1);
    h.silence(q2);
    await waitFor('quorum lost', async () => (await count(clusterId, 'cluster.quorum_lost')) === 1);
    await sleep(3000); // both probed UNREACHABLE several times meanwhile
    for (const id of [q1, q2]) {
      const n = await node(id);
      expect(n.status).toBe(NodeStatus.ONLINE);
      expect(n.statusReason).toMatch(/cannot reach the host; the cluster is not quorate: not declared, waiting for an operator/);
      expect(await h.incidents(alice, id)).toEqual([]);
    }
    const lost = (await h.events(alice, clusterId, { type: 'cluster.quorum_lost' }))[0];
    expect(lost?.after).toEqual({ healthyNodes: 1, quorum: 2, totalNodes: 3 });
    // libvirt: both hypervisors are gone
    for (const name of ['q1', 'q2']) expect((await hosts.virsh(name, ['list', '--all'])).code).not.toBe(0);
    // cluster.status says what the detector logged (one source), though the rows still read 3 ONLINE
    const during = await status(clusterId);
    expect(during.rows).toMatchObject({ healthyNodes: 3, quorate: true });
    expect(during.shown).toMatchObject({ source: 'DETECTOR', totalNodes: 3, healthyNodes: 1, quorum: 2, quorate: false, suspectNodes: 2 });
    expect(await count(clusterId, 'cluster.quorum_lost')).toBe(1);

    // q2 comes back: 2 of 3 healthy, quorate again, and q1 (still silent and unreachable) is declared
    h.beat(alice, clusterId, q2);
    await waitFor('q1 declared', async () => (await h.incidents(alice, q1)).length === 1);
    expect((await node(q1)).status).toBe(NodeStatus.FAILED);
    await sleep(1000);
    expect(await count(clusterId, 'cluster.quorum_regained')).toBe(1);
    expect(await count(clusterId, 'cluster.quorum_lost')).toBe(1);
    expect((await status(clusterId)).shown).toMatchObject({ source: 'DETECTOR', totalNodes: 3, quorate: true });
    expect(await h.incidents(alice, q2)).toEqual([]);
    expect(await h.incidents(alice, q1)).toHaveLength(1);
  });

  it('shows a flapping node UNSTABLE and relocates nothing, even through a silence that declares a steady node', async () => {
    const policy = { ...FAST_POLICY, deadtimeSeconds: 4 };
    const flapping = await h.startedCluster(alice, 'flapping', policy);
    const f1 = await h.join(alice, flapping, 'f1.example.com', hosts.host('f1').uri);
    const steady = await h.startedCluster(alice, 'steady', policy);
    const g1 = await h.join(alice, steady, 'g1.example.com', hosts.host('g1').uri);
    const healthy = [
      [flapping, await h.join(alice, flapping, 'f2.example.com')],
      [flapping, await h.join(alice, flapping, 'f3.example.com')],
      [steady, await h.join(alice, steady, 'g2.example.com')],
      [steady, await h.join(alice, steady, 'g3.example.com')],
    ] as const;
    for (const [c, id] of healthy) h.beat(alice, c, id);
    h.beat(alice, flapping, f1);
    h.beat(alice, steady, g1);
    await Promise.all([f1, g1].map(online));
    // both hypervisors are gone: any probe would say UNREACHABLE
    await Promise.all([hosts.kill('f1'), hosts.kill('g1')]);

    // three outages of ~3.2 s (over 2.5 intervals, under the 4 s deadtime): "unavailable for short, regularly"
    for (let i = 0; i < 3; i++) {
      h.silence(f1);
      await sleep(3200);
      h.beat(alice, flapping, f1);
      await sleep(1000);
    }
    const unstable = await waitFor('f1 UNSTABLE', async () => {
      const n = await node(f1);
      return n.status === NodeStatus.UNSTABLE ? n : undefined;
    });
    expect(unstable.statusReason).toMatch(/short outages .*unstable, no relocation/);

    // a 6 s silence: past the deadtime, with the hypervisor unreachable. The steady node is declared;
    // the flapping one needs a silence longer than any flap (8 s here) first
    h.silence(f1);
    h.silence(g1);
    const silentSince = Date.now();
    await waitFor('g1 declared', async () => (await h.incidents(alice, g1)).length === 1, 7000);
    await sleep(Math.max(0, silentSince + 6000 - Date.now()));
    const during = await node(f1);
    expect(during.status).toBe(NodeStatus.UNSTABLE);
    expect(during.statusReason).toMatch(/waiting for a silence longer than any flap/);
    h.beat(alice, flapping, f1);
    await sleep(1000);
    expect((await node(f1)).status).toBe(NodeStatus.UNSTABLE);
    expect(await h.incidents(alice, f1)).toEqual([]);
    expect(await count(flapping, 'node.failed')).toBe(0);
    const changes = (await h.events(alice, flapping, { type: 'node.status_changed', nodeId: f1 })).map((e) => e.after?.['status']);
    expect(changes).toContain(NodeStatus.UNSTABLE);
    expect(changes).not.toContain(NodeStatus.FAILED);
  });
});
