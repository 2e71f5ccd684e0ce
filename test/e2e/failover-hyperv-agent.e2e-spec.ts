import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { configureHypervCluster, GraphQLCaller, type HypervLab, type ManagedDatacenter, startHypervLab } from '@haaas/demo';
import { startWorker } from '@haaas/worker-server';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';
import { callCounts, expectRecoveredOnSurvivors } from './support/hyperv-failover';
import { incidents, waitForIncidentEnd } from './support/incidents';

/**
 * Failover on Hyper-V WITH node agents (heartbeat source BOTH), on the project's WS-Management test
 * hosts: NO REAL HYPER-V and no Windows (docs/adapters/hyperv.md); the agent runs as a Linux
 * process here, one per simulated host, heartbeating for it (storage-write check on a directory of
 * its own, resource actions off). A node is heard from while either its agent or its WinRM answers:
 * the agent's silence alone declares nothing; the agent silent AND WinRM gone is a failure, fenced
 * through the BMC, its VMs imported and started once each on survivors in priority order, judged by
 * the simulated hosts and the BMCs.
 */
describe('failover of a Hyper-V host on the WS-Management test hosts, with node agents', () => {
  let lab: HypervLab;
  let api: TestApi;
  let worker: INestApplicationContext;
  let gql: GraphQLCaller;
  let dc: ManagedDatacenter;
  let redis: Redis;
  let dataDir: string;
  const AGENT_ONLY_LOST = 'hv-1.lab.example';
  const FAILED_HOST = 'hv-2.lab.example';

  const kill = async (agent: ChildProcess | undefined): Promise<void> => {
    if (!agent || agent.exitCode !== null || agent.signalCode !== null) return;
    const gone = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGKILL');
    await gone;
  };
  /** The node's heartbeat record as the detector reads it (Redis), found by node id. */
  const record = async (nodeId: string): Promise<Record<string, string>> => {
    const [key] = await redis.keys(`haaas:hb:*:n:${nodeId}`);
    return key ? redis.hgetall(key) : {};
  };

  beforeAll(async () => {
    lab = await startHypervLab();
    dataDir = mkdtempSync(join(tmpdir(), 'haaas-hv-agents-'));
    const redisUrl = testRedisUrl(24);
    redis = new Redis(redisUrl);
    await redis.flushdb();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    worker = await startWorker(api.config, { logger: false });
    gql = new GraphQLCaller(`${api.url}/graphql`, await api.token('hyperv-agents-co'));
    dc = await configureHypervCluster(gql, lab, { deadtimeSeconds: 3, heartbeatSource: 'BOTH', agents: { graphqlUrl: `${api.url}/graphql`, dataDir, stderr: 'ignore' } });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...(dc?.agents.values() ?? [])].map(kill));
    await worker?.close();
    await api?.close();
    await lab?.stop();
    await redis?.quit();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('hears each host through its agent and through WinRM, and runs every service on its home host, as the hosts say', async () => {
    for (const s of dc.services) expect(lab.whereIs(s.vm)).toEqual([{ host: s.homeHost, state: 'Running' }]);
    const until = Date.now() + 20_000;
    for (const [host, nodeId] of dc.nodes) {
      let r = await record(nodeId);
      while (!r['agentVersion'] && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 250));
        r = await record(nodeId);
      }
      // an agent's beat sets its version and its checks; the WinRM watch its own seen time
      expect({ host, agent: Boolean(r['agentVersion']), checks: r['checks']?.includes('storage') ?? false, manager: Number(r['managerSeenAt'] ?? 0) > 0 }).toEqual({ host, agent: true, checks: true, manager: true });
    }
    for (const h of lab.hosts) expect(h.sim.hostnameCalls).toBeGreaterThan(0);
  });

  it("declares nothing when only a host's agent goes silent (its WinRM still answers)", async () => {
    await kill(dc.agents.get(AGENT_ONLY_LOST));
    await new Promise((r) => setTimeout(r, 9_000)); // three deadtimes
    expect(await incidents(gql, dc.clusterId)).toEqual([]);
    for (const h of lab.hosts) expect({ host: h.name, power: h.bmc.power() }).toEqual({ host: h.name, power: 'on' });
    for (const s of dc.services) expect(lab.whereIs(s.vm)).toEqual([{ host: s.homeHost, state: 'Running' }]);
  }, 30_000);

  it('fails a host whose agent and WinRM both die: fenced through its BMC, its VMs imported and running once on the survivors, by priority', async () => {
    const callsBefore = callCounts(lab);
    await kill(dc.agents.get(FAILED_HOST));
    await lab.crashHost(FAILED_HOST);

    expect(await waitForIncidentEnd(gql, dc.clusterId)).toBe('RECOVERED');
    expect((await incidents(gql, dc.clusterId)).map((i) => i.nodeId)).toEqual([dc.nodes.get(FAILED_HOST)]);
    expectRecoveredOnSurvivors(lab, dc, FAILED_HOST, callsBefore);
  }, 120_000);
});
