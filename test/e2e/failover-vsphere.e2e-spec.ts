import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureVsphereCluster, GraphQLCaller, startVsphereLab, type VsphereDatacenter, type VsphereLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * Failover on vSphere without node agents: a VSPHERE cluster of three vcsim ESXi hosts (heartbeat
 * source MANAGER), VMs on the shared datastore, prioritised services, an ipmi_sim BMC per host.
 * A vCenter that stops answering declares nothing; a host vCenter loses is declared failed through
 * vCenter and its probe, fenced through its BMC, and its VMs are registered from their .vmx and
 * powered on on the survivors in priority order, each exactly once, as vcsim itself tells.
 */
describe('failover of a vSphere host on vcsim, agentless', () => {
  let lab: VsphereLab;
  let api: TestApi;
  let worker: INestApplicationContext;
  let gql: GraphQLCaller;
  let dc: VsphereDatacenter;
  const FAILED_HOST = 'esx-2.lab.example';

  const incidents = async () =>
    (await gql.call<{ incidents: { nodes: { state: string; nodeId: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state nodeId } } }`, { c: dc.clusterId })).incidents.nodes;
  const nodeStatuses = async () =>
    (await gql.call<{ cluster: { nodes: { nodes: { hostname: string; status: string }[] } } }>(`query($id: ID!) { cluster(id: $id) { nodes(first: 10) { nodes { hostname status } } } }`, { id: dc.clusterId })).cluster.nodes.nodes;

  beforeAll(async () => {
    lab = await startVsphereLab();
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

  it('fails a host in vCenter: fenced through its BMC, its VMs registered and running once on the survivors, by priority', async () => {
    const before = await lab.vcenter.admin.poweredOnEvents();
    const vmxBefore = new Map((await lab.vcenter.admin.vms()).map((v) => [v.name, v.vmx]));
    const lastKey = before.reduce((m, e) => Math.max(m, e.key), 0);
    await lab.vcenter.admin.disconnectHost(FAILED_HOST);

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

    // each recovered at its first attempt: no start failed on the way (the product's log)
    const log = await gql.call<{ clusterLog: { nodes: { type: string; message: string }[] } }>(`query($c: ID!) { clusterLog(clusterId: $c, first: 500) { nodes { type message } } }`, { c: dc.clusterId });
    expect(log.clusterLog.nodes.filter((e) => e.type === 'service.start_failed').map((e) => e.message)).toEqual([]);

    // vcsim's own events: the moved VMs powered on after the failure, each once, higher priority first
    const moved = dc.services.filter((s) => s.homeHost === FAILED_HOST).sort((a, b) => b.priority - a.priority);
    const after = (await lab.vcenter.admin.poweredOnEvents()).filter((e) => e.key > lastKey);
    expect(after.map((e) => e.vm)).toEqual(moved.map((s) => s.vm));
    for (const e of after) expect(e.host).not.toBe(FAILED_HOST);
  }, 120_000);
});
