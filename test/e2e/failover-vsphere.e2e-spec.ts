import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureVsphereCluster, GraphQLCaller, startVsphereLab, type VsphereDatacenter, type VsphereLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * Failover on vSphere without node agents: a VSPHERE cluster of three vcsim ESXi hosts (heartbeat
 * source MANAGER), VMs on the shared datastore, prioritised services, an ipmi_sim BMC per host, and
 * each host's own /sdk (a vcsim -esx each) as its check address: the second channel that does not
 * go through vCenter. A vCenter that stops answering declares nothing; a host vCenter loses while
 * its own /sdk answers is EXCLUDED, not failed; a crashed host (its /sdk silent, vCenter lost it) is
 * declared failed, fenced through its BMC, and its VMs are registered from their .vmx and powered
 * on on the survivors in priority order, each exactly once, as vcsim itself tells.
 */
describe('failover of a vSphere host on vcsim, agentless', () => {
  let lab: VsphereLab;
  let api: TestApi;
  let worker: INestApplicationContext;
  let gql: GraphQLCaller;
  let dc: VsphereDatacenter;
  const FAILED_HOST = 'esx-2.lab.example';
  const CUT_HOST = 'esx-3.lab.example';
  const logOf = async () =>
    (await gql.call<{ clusterLog: { nodes: { type: string; nodeId: string | null; message: string }[] } }>(`query($c: ID!) { clusterLog(clusterId: $c, first: 500) { nodes { type nodeId message } } }`, { c: dc.clusterId }))
      .clusterLog.nodes;
  const waitForStatus = async (host: string, status: string, ms: number): Promise<string[]> => {
    const seen: string[] = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const now = (await nodeStatuses()).find((n) => n.hostname === host)?.status ?? '';
      if (seen[seen.length - 1] !== now) seen.push(now);
      if (now === status) return seen;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${host} never ${status} within ${ms} ms (seen ${seen.join(' -> ')})`);
  };

  const incidents = async () =>
    (await gql.call<{ incidents: { nodes: { state: string; nodeId: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state nodeId } } }`, { c: dc.clusterId })).incidents.nodes;
  const nodeStatuses = async () =>
    (await gql.call<{ cluster: { nodes: { nodes: { hostname: string; status: string }[] } } }>(`query($id: ID!) { cluster(id: $id) { nodes(first: 10) { nodes { hostname status } } } }`, { id: dc.clusterId })).cluster.nodes.nodes;

  beforeAll(async () => {
    lab = await startVsphereLab({ hostEndpoints: true });
    const redisUrl = testRedisUrl(7);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, ...lab.env });
    worker = await startWorker(api.config, { logger: false });
    gql = new GraphQLCaller(`${api.url}/graphql`, await api.token('vsphere-co'));
    dc = await configureVsphereCluster(gql, lab, { deadtimeSeconds: 3 });
  }, 240_000);

  afterAll(async () => {
    lab?.vcenter.resume();
    await worker?.close();
    await api?.close();
    await lab?.stop();
  });

  it('starts HA without agents and runs every service on its home host, as vCenter says', async () => {
    const vms = await lab.vcenter.admin.vms();
    for (const s of dc.services) {
      expect(vms.filter((v) => v.name === s.vm).map((v) => ({ host: v.host, power: v.powerState }))).toEqual([{ host: s.homeHost, power: 'poweredOn' }]);
    }
  });

  it('declares nothing while vCenter does not answer (well past the deadtime), and the nodes come back', async () => {
    lab.vcenter.pause();
    const seen = new Set<string>();
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      for (const n of await nodeStatuses()) seen.add(n.status);
      await new Promise((r) => setTimeout(r, 300));
    }
    lab.vcenter.resume();
    expect([...seen].filter((s) => s !== 'ONLINE')).toEqual([]);
    expect(await incidents()).toEqual([]);
    for (const h of lab.hosts) expect(h.bmc.power()).toBe('on');
  }, 40_000);

  it('leaves a host vCenter lost but whose own /sdk answers EXCLUDED: nothing fenced, nothing moved; ONLINE again when vCenter has it back', async () => {
    const before = await lab.vcenter.admin.vms();
    await lab.cutFromVcenter(CUT_HOST);
    try {
      await waitForStatus(CUT_HOST, 'EXCLUDED', 20_000);
      expect(await incidents()).toEqual([]);
      for (const h of lab.hosts) expect(h.bmc.power()).toBe('on');
      const excluded = (await logOf()).find((e) => e.type === 'node.status_changed' && e.nodeId === dc.nodes.get(CUT_HOST) && /EXCLUDED|excluded/.test(e.message));
      expect(excluded?.message).toMatch(/check address answers/);
    } finally {
      await lab.reconnect(CUT_HOST);
    }
    await waitForStatus(CUT_HOST, 'ONLINE', 20_000);
    const after = await lab.vcenter.admin.vms();
    expect(after.map((v) => [v.name, v.host, v.powerState])).toEqual(before.map((v) => [v.name, v.host, v.powerState]));
  }, 60_000);

  it('fails a crashed host: declared through vCenter and its silent /sdk, fenced through its BMC, its VMs registered and running once on the survivors, by priority', async () => {
    const before = await lab.vcenter.admin.poweredOnEvents();
    const vmxBefore = new Map((await lab.vcenter.admin.vms()).map((v) => [v.name, v.vmx]));
    const lastKey = before.reduce((m, e) => Math.max(m, e.key), 0);
    await lab.crashHost(FAILED_HOST);

    const until = Date.now() + 90_000;
    let state = '';
    while (Date.now() < until) {
      state = (await incidents())[0]?.state ?? '';
      if (['RECOVERED', 'PARTIALLY_RECOVERED', 'FAILED'].includes(state)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe('RECOVERED');
    expect((await incidents()).map((i) => i.nodeId)).toEqual([dc.nodes.get(FAILED_HOST)]);

    // the BMC of the failed host powered it off; the others are untouched
    for (const h of lab.hosts) expect({ host: h.name, power: h.bmc.power() }).toEqual({ host: h.name, power: h.name === FAILED_HOST ? 'off' : 'on' });

    // vcsim: each service VM registered once, powered on, on a connected survivor
    const vms = await lab.vcenter.admin.vms();
    for (const s of dc.services) {
      const copies = vms.filter((v) => v.name === s.vm);
      expect({ vm: s.vm, copies: copies.length, power: copies[0]?.powerState }).toEqual({ vm: s.vm, copies: 1, power: 'poweredOn' });
      expect(copies[0]?.host).not.toBe(FAILED_HOST);
      // the same files on the shared datastore: registered from its .vmx, not a new VM
      expect(copies[0]?.vmx).toBe(vmxBefore.get(s.vm));
      if (s.homeHost !== FAILED_HOST) expect(copies[0]?.host).toBe(s.homeHost);
    }

    // declared on both channels; each service recovered at its first attempt (the product's log)
    const log = await logOf();
    expect(log.find((e) => e.type === 'node.failed' && e.nodeId === dc.nodes.get(FAILED_HOST))?.message).toMatch(/cannot reach the host and its check address is silent/);
    expect(log.filter((e) => e.type === 'service.start_failed').map((e) => e.message)).toEqual([]);

    // vcsim's own events: the moved VMs powered on after the failure, each once, higher priority first
    const moved = dc.services.filter((s) => s.homeHost === FAILED_HOST).sort((a, b) => b.priority - a.priority);
    const after = (await lab.vcenter.admin.poweredOnEvents()).filter((e) => e.key > lastKey);
    expect(after.map((e) => e.vm)).toEqual(moved.map((s) => s.vm));
    for (const e of after) expect(e.host).not.toBe(FAILED_HOST);
  }, 120_000);
});
