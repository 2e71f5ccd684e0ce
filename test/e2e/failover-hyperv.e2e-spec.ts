import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureHypervCluster, GraphQLCaller, type HypervLab, type ManagedDatacenter, startHypervLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';
import { callCounts, expectRecoveredOnSurvivors } from './support/hyperv-failover';
import { incidents, waitForIncidentEnd } from './support/incidents';

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
    const callsBefore = callCounts(lab);
    await lab.crashHost(FAILED_HOST);

    expect(await waitForIncidentEnd(gql, dc.clusterId)).toBe('RECOVERED');
    expect((await incidents(gql, dc.clusterId)).map((i) => i.nodeId)).toEqual([dc.nodes.get(FAILED_HOST)]);
    expectRecoveredOnSurvivors(lab, dc, FAILED_HOST, callsBefore);
  }, 120_000);
});
