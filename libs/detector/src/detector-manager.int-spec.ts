import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVcsim, type VcsimPeer } from '@haaas/adapter-vsphere/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { ClusterState, HeartbeatSource, Hypervisor, NodeKind, NodeStatus } from '@haaas/domain';
import { runMigrations } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { alice, DetectorHarness, FAST_POLICY, FAST_SETTINGS, sleep, waitFor } from './detector.harness';
import type { FailureDetector } from './failure-detector';

/**
 * Agentless detection on vSphere: a cluster whose heartbeat source is MANAGER, three hosts of a
 * vcsim vCenter and no node agent. Presence (HA not started) and liveness come from one vCenter
 * host watch; a host vCenter disconnects is declared FAILED after the second channel (vCenter's
 * probe) agrees; a vCenter that stops answering declares nothing.
 */
describe('failure detector: heartbeats from vCenter (heartbeat source MANAGER)', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let vc: VcsimPeer;
  let h: DetectorHarness;
  let detector: FailureDetector;
  let clusterId: string;
  const ids = new Map<string, string>();
  const HOSTS = ['esx-1.lab.example', 'esx-2.lab.example', 'esx-3.lab.example'];

  const status = async (name: string) => (await h.node(alice, ids.get(name) as string)).status;
  const statuses = async () => Promise.all(HOSTS.map(status));

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-mgr-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    vc = await startVcsim({ hosts: 1, vms: 0, trustedTls: true });
    for (const name of HOSTS) await vc.admin.addHost(name, vc.hosts[0] as string);
    // the workers' adapters trust vcsim's certificate as HAAAS_VSPHERE_CA_FILE makes them; vcsim needs the resync
    h = await DetectorHarness.open(db.url, redis.url, hypervisorAdapters({ vsphere: { ca: vc.caPem, watch: { maxWaitSeconds: 1, resyncSeconds: 1, retryMs: 200 } } }));
    const cluster = await h.clusters.create(alice, { name: 'vsphere-agentless', hypervisor: Hypervisor.VSPHERE, heartbeatSource: HeartbeatSource.MANAGER, policy: FAST_POLICY });
    clusterId = cluster.id;
    for (const hostname of HOSTS) {
      const node = await h.nodes.join(alice, {
        clusterId,
        hostname,
        kind: NodeKind.PHYSICAL,
        endpoint: { uri: vc.url, username: vc.username, password: vc.password },
        capacity: { cpus: 8, memoryMb: 16384 },
      });
      ids.set(hostname, node.id);
    }
    detector = h.detector({ detection: { ...FAST_SETTINGS.detection, bootGraceSeconds: 1 } });
    detector.start();
    await waitFor('the detector to lead', async () => detector.stats().leading);
  }, 300_000);

  afterAll(async () => {
    if (process.env['HAAAS_DEBUG_LOGS']) console.log(h?.logs.join('\n'));
    await h?.close();
    await vc?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('tells presence without agents: every host vCenter has connected is ONLINE while HA is not started', async () => {
    await waitFor('all three ONLINE (HA stopped)', async () => (await statuses()).every((s) => s === NodeStatus.ONLINE), 15_000);
    const records = await h.heartbeats.records(alice, clusterId, [...ids.values()]);
    for (const r of records.values()) expect(r).toMatchObject({ agentVersion: '', managerState: 'CONNECTED poweredOn' });
    const node = await h.node(alice, ids.get(HOSTS[0] as string) as string);
    expect(node.statusReason).toBe('heartbeats arriving (HA not started)');
    await h.setClusterState(alice, clusterId, ClusterState.STARTED);
  });

  it('declares nothing while vCenter does not answer, and the hosts are ONLINE again when it is back', async () => {
    await sleep(1500);
    vc.pause();
    const seen = new Set<NodeStatus>();
    // deadtime 2 s: well past it, the nodes are suspect and vCenter's probe times out (INCONCLUSIVE)
    const until = Date.now() + 9_000;
    while (Date.now() < until) {
      for (const s of await statuses()) seen.add(s);
      await sleep(250);
    }
    const suspect = await h.node(alice, ids.get(HOSTS[0] as string) as string);
    vc.resume();
    expect([...seen].filter((s) => s !== NodeStatus.ONLINE)).toEqual([]);
    expect(suspect.statusReason).toMatch(/suspect/);
    for (const id of ids.values()) expect(await h.incidents(alice, id)).toEqual([]);
    await waitFor('heartbeats again', async () => {
      const n = await h.node(alice, ids.get(HOSTS[0] as string) as string);
      return n.status === NodeStatus.ONLINE && !/suspect/.test(n.statusReason ?? '');
    }, 20_000);
  }, 40_000);

  it('declares a host FAILED once vCenter says it is disconnected, with one incident, and leaves the others alone', async () => {
    const failed = HOSTS[1] as string;
    await vc.admin.disconnectHost(failed);
    const [incident] = await waitFor('an incident', async () => {
      const list = await h.incidents(alice, ids.get(failed) as string);
      return list.length > 0 ? list : undefined;
    }, 20_000);
    expect(incident).toMatchObject({ clusterId, state: 'DETECTED', source: 'DETECTOR' });
    const node = await h.node(alice, ids.get(failed) as string);
    expect(node.status).toBe(NodeStatus.FAILED);
    expect(node.statusReason).toMatch(/hypervisor manager cannot reach the host.*DISCONNECTED/);
    expect(await status(HOSTS[0] as string)).toBe(NodeStatus.ONLINE);
    expect(await status(HOSTS[2] as string)).toBe(NodeStatus.ONLINE);
    // one watch (one long-poll) for the three nodes of the one vCenter
    expect(h.logs.filter((l) => l.includes('manager heartbeats: watching the hosts of'))).toHaveLength(1);
  }, 30_000);
});
