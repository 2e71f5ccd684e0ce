import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { LocalServer, startRedis } from '@haaas/devstack';
import { ClusterState, IncidentState, NodeStatus } from '@haaas/domain';
import { runMigrations } from '@haaas/persistence';
import { QUEUES } from '@haaas/queue';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { alice, DetectorHarness, FAST_SETTINGS, sleep, waitFor } from './detector.harness';
import type { FailureDetector } from './failure-detector';

/**
 * The detector against real peers: MariaDB, its own Redis, and libvirt test-driver hosts whose
 * libvirtd answers (or was killed) as the second channel. Heartbeats are written with
 * HeartbeatStore.record (the agent e2e test covers the HTTP path).
 */
describe('failure detector: declaring failures through two channels', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let h: DetectorHarness;
  let detector: FailureDetector;
  const GRACE_S = 4;

  /** A STARTED cluster with one node under test on `uri` and two healthy nodes that keep beating. */
  const cluster = async (name: string, uri: string, checkAddress: string | null = null) => {
    const clusterId = await h.startedCluster(alice, name);
    const nodeId = await h.join(alice, clusterId, `${name}-x.example.com`, uri, checkAddress);
    const others = [await h.join(alice, clusterId, `${name}-a.example.com`), await h.join(alice, clusterId, `${name}-b.example.com`)];
    for (const id of [nodeId, ...others]) h.beat(alice, clusterId, id);
    return { clusterId, nodeId };
  };
  const status = async (nodeId: string) => (await h.node(alice, nodeId)).status;
  const online = (nodeId: string) => waitFor(`${nodeId} ONLINE`, async () => (await status(nodeId)) === NodeStatus.ONLINE);

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-det-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['dead', 'alive', 'grace', 'addrok', 'addrsilent', 'paused', 'again', 'twice'] });
    h = await DetectorHarness.open(db.url, redis.url);
    detector = h.detector({ detection: { ...FAST_SETTINGS.detection, bootGraceSeconds: GRACE_S } });
    detector.start();
    await waitFor('the detector to lead', async () => detector.stats().leading);
  });

  afterAll(async () => {
    await h?.close();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('declares a host FAILED when its heartbeats stop and its libvirtd is dead: one incident, its events and its recovery job', async () => {
    const { clusterId, nodeId } = await cluster('c-dead', hosts.host('dead').uri);
    await online(nodeId);
    await hosts.kill('dead');
    h.silence(nodeId);
    const lastSeen = (await h.heartbeats.records(alice, clusterId, [nodeId])).get(nodeId)?.seenAt as number;
    const [incident] = await waitFor('an incident', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    await sleep(1500); // a duplicate would have been written by now (7 more ticks)
    const incidents = await h.incidents(alice, nodeId);
    expect(incidents).toHaveLength(1);
    expect(incident).toMatchObject({
      clusterId,
      state: 'DETECTED',
      source: 'DETECTOR',
      idempotencyKey: `${clusterId}.${nodeId}.${lastSeen}`,
      detectorToken: String(detector.stats().token),
      fencedAt: null,
    });
    expect(incident?.lastSeenAt?.getTime()).toBe(lastSeen);
    // declared only after the deadtime (2 s) and a probe asked after it
    const detectionMs = (incident?.declaredAt.getTime() as number) - lastSeen;
    expect(detectionMs).toBeGreaterThanOrEqual(2000);
    process.stdout.write(`detection: declared ${detectionMs} ms after the last heartbeat (deadtime 2000 ms, tick 200 ms)\n`);

    const node = await h.node(alice, nodeId);
    expect(node.status).toBe(NodeStatus.FAILED);
    expect(node.statusReason).toMatch(/hypervisor manager cannot reach the host.*UNREACHABLE/);
    const events = await h.events(alice, clusterId, { nodeId });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'incident.opened')).toHaveLength(1);
    expect(types.filter((t) => t === 'node.failed')).toHaveLength(1);
    const all = events.filter((e) => e.type === 'node.status_changed').map((e) => [e.before?.['status'], e.after?.['status'], e.after?.['suspect']]);
    // a loaded machine may show a reason change while still OFFLINE before the first heartbeat counts
    const changes = all.slice(all.findIndex(([b, a]) => !(b === NodeStatus.OFFLINE && a === NodeStatus.OFFLINE)));
    // OFFLINE → ONLINE when first heard, suspect after the deadtime (its reason may change while the
    // second channel is asked), then FAILED
    expect(changes[0]).toEqual([NodeStatus.OFFLINE, NodeStatus.ONLINE, false]);
    expect(changes[1]).toEqual([NodeStatus.ONLINE, NodeStatus.ONLINE, true]);
    expect(changes.slice(2, -1).every(([b, a, suspect]) => b === NodeStatus.ONLINE && a === NodeStatus.ONLINE && suspect === true)).toBe(true);
    expect(changes[changes.length - 1]).toEqual([NodeStatus.ONLINE, NodeStatus.FAILED, false]);
    expect(events.filter((e) => e.type !== 'node.joined').every((e) => e.actor === 'system:detector')).toBe(true);
    const opened = events.find((e) => e.type === 'incident.opened');
    expect(opened?.objectId).toBe(incident?.id);
    expect(opened?.after).toMatchObject({ state: 'DETECTED', lastSeenAt: new Date(lastSeen).toISOString() });

    const job = await h.producer.queue(QUEUES.recovery).getJob(incident?.id as string);
    expect(job?.name).toBe('incident.recover');
    expect(job?.data).toEqual({ tenantId: 'alice', incidentId: incident?.id });
  });

  it('does not declare a host whose heartbeats stop while its libvirtd still answers: EXCLUDED, then ONLINE when it returns', async () => {
    const { clusterId, nodeId } = await cluster('c-alive', hosts.host('alive').uri);
    await online(nodeId);
    h.silence(nodeId);
    await waitFor('EXCLUDED', async () => (await status(nodeId)) === NodeStatus.EXCLUDED);
    await sleep(3000); // three reprobe periods
    const node = await h.node(alice, nodeId);
    expect(node.status).toBe(NodeStatus.EXCLUDED);
    expect(node.statusReason).toMatch(/hypervisor manager still reaches the host: excluded, no relocation/);
    expect(await h.incidents(alice, nodeId)).toEqual([]);
    h.beat(alice, clusterId, nodeId);
    await online(nodeId);
    expect(await h.incidents(alice, nodeId)).toEqual([]);
    expect((await h.events(alice, clusterId, { type: 'node.failed' })).length).toBe(0);
  });

  it('asks the check address too: an answering address keeps a dead-hypervisor host EXCLUDED, a silent one lets it be declared', async () => {
    const ok = await cluster('c-addr-ok', hosts.host('addrok').uri, '127.0.0.1');
    // TEST-NET-2: routed nowhere from this machine, so nobody answers
    const silent = await cluster('c-addr-silent', hosts.host('addrsilent').uri, '198.51.100.7');
    await Promise.all([online(ok.nodeId), online(silent.nodeId)]);
    await Promise.all([hosts.kill('addrok'), hosts.kill('addrsilent')]);
    h.silence(ok.nodeId);
    h.silence(silent.nodeId);
    await waitFor('the silent-address node declared', async () => (await h.incidents(alice, silent.nodeId)).length === 1);
    expect((await h.node(alice, silent.nodeId)).statusReason).toMatch(/check address is silent/);
    const okNode = await waitFor('EXCLUDED', async () => {
      const n = await h.node(alice, ok.nodeId);
      return n.status === NodeStatus.EXCLUDED ? n : undefined;
    });
    expect(okNode.statusReason).toMatch(/check address answers/);
    await sleep(2000);
    expect(await h.incidents(alice, ok.nodeId)).toEqual([]);
    expect(await status(ok.nodeId)).toBe(NodeStatus.EXCLUDED);
  });

  it('gives a rebooted host a grace period: silent and unreachable right after its reboot, it is declared only when the grace ends', async () => {
    const { clusterId, nodeId } = await cluster('c-grace', hosts.host('grace').uri);
    await online(nodeId);
    // a reboot: a short silence, then the agent comes back with a newer boot time
    h.silence(nodeId);
    await sleep(800);
    h.beat(alice, clusterId, nodeId, { bootTime: 1_700_000_500_000 });
    await h.beatAll();
    const rebootSeen = await h.heartbeats.now();
    await sleep(600); // a few ticks see the new boot time
    // and it dies at once
    await hosts.kill('grace');
    h.silence(nodeId);
    const suspect = await waitFor('suspect within the grace period', async () => {
      const n = await h.node(alice, nodeId);
      return n.statusReason?.includes('grace period') ? n : undefined;
    });
    expect(suspect.status).toBe(NodeStatus.ONLINE);
    expect(await h.incidents(alice, nodeId)).toEqual([]);
    const [incident] = await waitFor('declared after the grace', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    expect((incident?.declaredAt.getTime() as number) - rebootSeen).toBeGreaterThanOrEqual(GRACE_S * 1000 - 300);
    expect(await status(nodeId)).toBe(NodeStatus.FAILED);
  });

  it('watches only STARTED clusters: a SUSPENDED cluster (maintenance of the whole cluster) is left alone, and picked up when resumed', async () => {
    const { clusterId, nodeId } = await cluster('c-suspended', hosts.host('paused').uri);
    await online(nodeId);
    await h.setClusterState(alice, clusterId, ClusterState.SUSPENDED);
    await sleep(800); // the detector's cluster list is refreshed every 500 ms here
    const eventsBefore = (await h.events(alice, clusterId)).length;
    await hosts.kill('paused');
    h.silence(nodeId);
    await sleep(4000); // twice the deadtime, with the hypervisor dead
    expect(await status(nodeId)).toBe(NodeStatus.ONLINE);
    expect(await h.incidents(alice, nodeId)).toEqual([]);
    expect((await h.events(alice, clusterId)).length).toBe(eventsBefore);
    // resumed: the silence is noticed at once (it is past the deadtime already) and confirmed
    await h.setClusterState(alice, clusterId, ClusterState.STARTED);
    await waitFor('declared after the resume', async () => (await h.incidents(alice, nodeId)).length === 1);
  });

  it('makes a new failure after the node was fenced and came back a new incident (after its grace), and never the same one twice', async () => {
    const { clusterId, nodeId } = await cluster('c-again', hosts.host('again').uri);
    await online(nodeId);
    await hosts.kill('again');
    h.silence(nodeId);
    const [first] = await waitFor('the first incident', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    // what the recovery does: the node is fenced, its status FENCED, the incident settles
    await h.store.transaction(async (repos) => {
      const incident = await repos.incidents.lock(alice, first?.id as string);
      incident.fencedAt = new Date();
      incident.state = IncidentState.RECOVERED;
      incident.finishedAt = new Date();
      await repos.incidents.save(alice, incident);
      const node = await repos.nodes.lock(alice, nodeId);
      node.status = NodeStatus.FENCED;
      await repos.nodes.save(alice, node);
    });
    const fenced = await waitFor('the detector to agree it is fenced', async () => {
      const n = await h.node(alice, nodeId);
      return n.statusReason?.startsWith('fenced: waiting for the node to rejoin') ? n : undefined;
    });
    expect(fenced.status).toBe(NodeStatus.FENCED);

    // it is powered on again: its agent reports, it rejoins (with a grace period)
    await hosts.restart('again');
    h.beat(alice, clusterId, nodeId);
    await online(nodeId);
    // and fails again at once: not within the grace, then declared as a second, distinct incident
    await hosts.kill('again');
    h.silence(nodeId);
    await waitFor('suspect within the grace period', async () => (await h.node(alice, nodeId)).statusReason?.includes('grace period'));
    expect(await h.incidents(alice, nodeId)).toHaveLength(1);
    const second = await waitFor('the second incident', async () => (await h.incidents(alice, nodeId)).find((i) => i.id !== first?.id));
    expect(second.idempotencyKey).not.toBe(first?.idempotencyKey);
    expect(second.lastSeenAt?.getTime()).toBeGreaterThan(first?.lastSeenAt?.getTime() as number);
    await sleep(1000);
    expect(await h.incidents(alice, nodeId)).toHaveLength(2);
  });

  it('adds a second failure of a node whose incident is still open (its fence failed) to that incident, and drives it again: never lost', async () => {
    const { clusterId, nodeId } = await cluster('c-twice', hosts.host('twice').uri);
    await online(nodeId);
    await hosts.kill('twice');
    h.silence(nodeId);
    const [first] = await waitFor('the first incident', async () => {
      const list = await h.incidents(alice, nodeId);
      return list.length > 0 ? list : undefined;
    });
    // what recovery leaves when every fence failed: the incident waits for an operator
    await h.store.repos.incidents.update(alice, first?.id as string, { state: IncidentState.AWAITING_OPERATOR });
    // the host reboots by itself (a newer boot time), then fails again while the incident is still open
    await hosts.restart('twice');
    h.beat(alice, clusterId, nodeId, { bootTime: Date.now() });
    await online(nodeId);
    await hosts.kill('twice');
    h.silence(nodeId);
    const again = await waitFor('the failure added to the open incident', async () => (await h.store.repos.events.find(alice, { objectId: first?.id as string, type: 'incident.failed_again' }))[0]);
    expect(again.message).toMatch(/declared failed while its incident .* is AWAITING_OPERATOR: added to it/);
    expect(await h.incidents(alice, nodeId)).toHaveLength(1);
    const row = await h.store.repos.incidents.get(alice, first?.id as string);
    expect(await h.producer.queue(QUEUES.recovery).getJob(`${row.id}.r${row.version}`)).toBeDefined();
  });
});
