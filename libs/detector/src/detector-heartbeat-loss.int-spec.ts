import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { NodeStatus } from '@haaas/domain';
import { runMigrations } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { alice, DetectorHarness, waitFor } from './detector.harness';
import type { FailureDetector } from './failure-detector';

/**
 * The gap the fault campaign found (docs/adr/0023): Redis loses every heartbeat record (and the
 * detector's own state) while a node is ONLINE, and the node's host goes down before its next
 * heartbeat. Before the fix it was "never heard from" (OFFLINE) and never declared. Real Redis,
 * MariaDB and a libvirt test-driver host whose libvirtd is killed (the probe's answer).
 */
describe('failure detector: a node whose heartbeat records vanished, then went down', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let h: DetectorHarness;
  let detector: FailureDetector;
  let clusterId: string;
  let nodeId: string;
  let others: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-hbloss-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['x'] });
    h = await DetectorHarness.open(db.url, redis.url);
    detector = h.detector();
    detector.start();
    await waitFor('the detector to lead', async () => detector.stats().leading);
    clusterId = await h.startedCluster(alice, 'forgetful');
    nodeId = await h.join(alice, clusterId, 'x.forgetful.example.com', hosts.host('x').uri);
    others = [await h.join(alice, clusterId, 'a.forgetful.example.com'), await h.join(alice, clusterId, 'b.forgetful.example.com')];
    for (const id of [nodeId, ...others]) h.beat(alice, clusterId, id);
    await waitFor('all ONLINE', async () => {
      for (const id of [nodeId, ...others]) if ((await h.node(alice, id)).status !== NodeStatus.ONLINE) return false;
      return true;
    });
  });

  afterAll(async () => {
    await h?.close();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('FLUSHALL while ONLINE, then the host stops before its next heartbeat: suspected after the deadtime, probed, declared FAILED', async () => {
    // the agent dies with its host: no heartbeat reaches the emptied Redis
    h.silence(nodeId);
    await h.redis.flushall();
    const flushedAt = Date.now();
    await hosts.kill('x');
    expect((await h.heartbeats.records(alice, clusterId, [nodeId])).size).toBe(0);

    const [incident] = await waitFor('the detector to declare x', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    }, 30_000);
    const declaredMs = Date.now() - flushedAt;
    expect(incident?.source).toBe('DETECTOR');
    const row = await h.node(alice, nodeId);
    expect(row.status).toBe(NodeStatus.FAILED);
    expect(row.statusReason).toMatch(/^no heartbeat since its heartbeat record was lost \d+ s ago, the hypervisor manager cannot reach the host/);
    // counted from the loss: not before the deadtime (2 s) had passed since it
    expect(incident?.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(flushedAt - 1_000);
    expect(incident?.declaredAt.getTime()).toBeGreaterThanOrEqual((incident?.lastSeenAt?.getTime() ?? 0) + 2_000);
    // the nodes that kept beating were not declared
    for (const id of others) {
      expect(await h.incidents(alice, id)).toHaveLength(0);
      expect((await h.node(alice, id)).status).toBe(NodeStatus.ONLINE);
    }
    console.log(`heartbeat records lost → x declared FAILED in ${(declaredMs / 1000).toFixed(1)} s (deadtime 2 s, lease and token taken again after the loss)`);
  });
});
