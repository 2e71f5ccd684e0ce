import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureHypervCluster, GraphQLCaller, type HypervLab, type ManagedDatacenter, startHypervLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * Failover on Hyper-V without node agents, on the project's WS-Management test hosts: NO REAL
 * HYPER-V (none can run here; docs/adapters/hyperv.md). Three hosts, each the WinRM test server in
 * front of a simulated Hyper-V host (the adapter's real PowerShell scripts, answers written from
 * the cmdlet documentation) and an ipmi_sim BMC; VM configurations on a CSV every host sees;
 * heartbeat source MANAGER (a WinRM liveness command per host). A host whose WinRM listener dies is
 * declared failed, fenced through its BMC, and its VMs are imported (Import-VM -Register) and
 * started on the survivors in priority order, each exactly once, as the simulated hosts say.
 */
describe('failover of a Hyper-V host on the WS-Management test hosts, agentless', () => {
  let lab: HypervLab;
  let api: TestApi;
  let worker: INestApplicationContext;
  let gql: GraphQLCaller;
  let dc: ManagedDatacenter;
  const FAILED_HOST = 'hv-2.lab.example';

  const incidents = async () =>
    (await gql.call<{ incidents: { nodes: { state: string; nodeId: string }[] } }>(`query($c: ID!) { incidents(filter: { clusterId: $c }) { nodes { state nodeId } } }`, { c: dc.clusterId })).incidents.nodes;

  beforeAll(async () => {
    lab = await startHypervLab();
    const redisUrl = testRedisUrl(8);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    worker = await startWorker(api.config, { logger: false });
    gql = new GraphQLCaller(`${api.url}/graphql`, await api.token('hyperv-co'));
    dc = await configureHypervCluster(gql, lab, { deadtimeSeconds: 3 });
  }, 240_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await lab?.stop();
  });

  it('starts HA without agents (the WinRM liveness watch) and runs every service on its home host, as the hosts say', () => {
    for (const s of dc.services) expect(lab.whereIs(s.vm)).toEqual([{ host: s.homeHost, state: 'Running' }]);
    for (const h of lab.hosts) expect(h.sim.hostnameCalls).toBeGreaterThan(0);
  });

  it('fails a host whose WinRM dies: fenced through its BMC, its VMs imported and running once on the survivors, by priority', async () => {
    const failed = lab.hosts.find((h) => h.name === FAILED_HOST);
    const survivors = lab.hosts.filter((h) => h.name !== FAILED_HOST);
    const callsBefore = new Map(survivors.map((h) => [h.name, h.sim.calls.length]));
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
    for (const h of lab.hosts) expect({ host: h.name, power: h.bmc.power() }).toEqual({ host: h.name, power: h === failed ? 'off' : 'on' });

    // the surviving hosts: each service's VM registered once and running, the others where they were
    for (const s of dc.services) {
      const where = lab.whereIs(s.vm);
      expect({ vm: s.vm, copies: where.length, state: where[0]?.state }).toEqual({ vm: s.vm, copies: 1, state: 'Running' });
      if (s.homeHost !== FAILED_HOST) expect(where[0]?.host).toBe(s.homeHost);
    }

    // what the survivors were asked to do since the crash: Import-VM then Start-VM per moved VM, higher priority first
    const moved = dc.services.filter((s) => s.homeHost === FAILED_HOST).sort((a, b) => b.priority - a.priority);
    const calls = survivors.flatMap((h) => h.sim.calls.slice(callsBefore.get(h.name)).map((c) => ({ ...c, host: h.name })));
    const starts = calls.filter((c) => c.operation === 'startVm');
    expect(starts.map((c) => c.subject)).toEqual(moved.map((s) => s.vm));
    for (const s of moved) {
      const i = calls.findIndex((c) => c.operation === 'registerVm' && (c.subject ?? '').includes(s.vm));
      const j = calls.findIndex((c) => c.operation === 'startVm' && c.subject === s.vm);
      expect({ vm: s.vm, imported: i >= 0, importedBeforeStart: i < j }).toEqual({ vm: s.vm, imported: true, importedBeforeStart: true });
      expect(calls[j]?.host).toBe(calls[i]?.host);
    }
  }, 120_000);
});
