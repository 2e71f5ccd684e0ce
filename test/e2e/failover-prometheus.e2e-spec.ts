import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { DemoDatacenter, GraphQLCaller, startDemoDatacenter } from '@haaas/demo';
import { type PrometheusServer, startPrometheus } from '@haaas/devstack';
import { testRedisUrl } from '@haaas/testing';
import { startWorker, workerMetricsUrl } from '@haaas/worker-server';
import { waitForIncidentEnd } from './support/incidents';
import { startTestApi, TestApi } from './support/api';

const ROOT = join(__dirname, '..', '..');
const TOKEN = 'failover-prometheus-token-0123456789';

/**
 * The failover of failover.e2e-spec.ts (the simulated datacenter: libvirtd hosts, node agents, IPMI
 * BMCs), watched by a real Prometheus (Debian's package) scraping the API and the worker every
 * second with the bearer token and the shipped alert rules. The figures are read back from
 * Prometheus's HTTP API, and checked against libvirt and the cluster log.
 */
describe('a failover as Prometheus sees it', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let dc: DemoDatacenter;
  let gql: GraphQLCaller;
  let prometheus: PrometheusServer;
  let dir: string;

  /** Polls an instant query until `ok` holds for its samples (Prometheus scrapes every second). */
  async function eventually(expr: string, ok: (values: number[]) => boolean, timeoutMs = 20_000): Promise<number[]> {
    const until = Date.now() + timeoutMs;
    let values: number[] = [];
    while (Date.now() < until) {
      values = (await prometheus.query(expr)).map((s) => s.value);
      if (ok(values)) return values;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`Prometheus: ${expr} gave ${JSON.stringify(values)}`);
  }

  beforeAll(async () => {
    // a Redis database of its own: no other test's workers take these jobs
    const redisUrl = testRedisUrl(59);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl, HAAAS_METRICS_TOKEN: TOKEN });
    worker = await startWorker(api.config, { logger: false });
    dir = mkdtempSync(join(tmpdir(), 'haaas-prom-'));
    prometheus = await startPrometheus({
      dataDir: join(dir, 'prometheus'),
      targets: [
        { job: 'haaas-api', url: `${api.url}/metrics`, token: TOKEN },
        { job: 'haaas-worker', url: `${workerMetricsUrl(worker) ?? ''}/metrics`, token: TOKEN },
      ],
      ruleFiles: [join(ROOT, 'deploy', 'prometheus', 'alerts.yml')],
    });
    await eventually('up', (v) => v.length === 2 && v.every((x) => x === 1));
    const token = await api.token('prom-co');
    gql = new GraphQLCaller(`${api.url}/graphql`, token);
    dc = await startDemoDatacenter({ graphqlUrl: `${api.url}/graphql`, token, dataDir: join(dir, 'dc'), deadtimeSeconds: 3 });
  }, 180_000);

  afterAll(async () => {
    await dc?.stop();
    await prometheus?.stop();
    await worker?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the incident, the fence and each service\'s time to recover in Prometheus', async () => {
    await eventually('sum(haaas_incidents_opened_total)', (v) => v[0] === 0);
    await dc.crash('host2');

    expect(await waitForIncidentEnd(gql, dc.clusterId)).toBe('RECOVERED');

    // the hypervisors' word: host2's three VMs each run on exactly one live host
    const moved = dc.services.filter((s) => ['web-a', 'web-b', 'batch'].includes(s.name));
    const running = new Map<string, number>();
    for (const h of dc.hosts.filter((x) => x.name !== 'host2')) {
      for (const n of (await h.sim.host.virsh('list', '--name')).split('\n').map((l) => l.trim()).filter(Boolean)) running.set(n, (running.get(n) ?? 0) + 1);
    }
    for (const s of moved) expect({ vm: s.vm, on: running.get(s.vm) ?? 0 }).toEqual({ vm: s.vm, on: 1 });

    // the same failover in Prometheus: one incident opened and closed recovered, a fence that worked
    await eventually('sum(haaas_incidents_opened_total{job="haaas-worker"})', (v) => v[0] === 1);
    await eventually('sum(haaas_incidents_closed_total{outcome="recovered"})', (v) => v[0] === 1);
    await eventually('sum(haaas_fence_attempts_total{agent="fence_ipmilan",result="ok"})', (v) => (v[0] ?? 0) >= 1);
    // the recovery histograms: one observation per moved service, their sum the log's own figures
    const [count] = await eventually('sum(haaas_time_to_recover_seconds_count)', (v) => v[0] === moved.length);
    expect(count).toBe(3);
    await eventually('sum(haaas_service_recoveries_total{result="recovered"})', (v) => v[0] === 3);
    await eventually('sum(haaas_recovery_duration_seconds_count)', (v) => v[0] === 3);
    const log = await gql.call<{ cluster: { log: { nodes: { type: string; after: { timeToRecoverMs?: number } | null }[] } } }>(
      `query($id: ID!) { cluster(id: $id) { log(first: 500) { nodes { type after } } } }`,
      { id: dc.clusterId },
    );
    const ttrs = log.cluster.log.nodes.filter((e) => e.type === 'service.recovered').map((e) => (e.after?.timeToRecoverMs ?? NaN) / 1000);
    expect(ttrs).toHaveLength(3);
    const [sum] = await eventually('sum(haaas_time_to_recover_seconds_sum)', (v) => v.length === 1);
    expect(sum).toBeCloseTo(ttrs.reduce((a, b) => a + b, 0), 3);
    // a quantile Prometheus computes from the buckets: within the slowest service's time's bucket range
    const [p99] = await eventually('histogram_quantile(0.99, sum by (le) (haaas_time_to_recover_seconds_bucket))', (v) => v.length === 1);
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(Math.max(...ttrs) * 2 + 5);

    // around it: the host's VMs started through the KVM adapter, the node seen failed, the agents' heartbeats at the API
    await eventually('sum(haaas_hypervisor_calls_total{adapter="kvm",call="startVm",result="ok",job="haaas-worker"})', (v) => (v[0] ?? 0) >= 3);
    await eventually('max(max_over_time(haaas_nodes{status=~"FAILED|FENCED"}[5m]))', (v) => (v[0] ?? 0) >= 1);
    await eventually('sum(haaas_heartbeats_total{result="accepted",job="haaas-api"})', (v) => (v[0] ?? 0) > 0);
    await eventually('max(haaas_detector_leading{job="haaas-worker"})', (v) => v[0] === 1);
    // the shipped rules are loaded and evaluated: the failed node raised HaaasNodeFailed
    await eventually('max(max_over_time(ALERTS{alertname="HaaasNodeFailed"}[5m]))', (v) => v[0] === 1);
  }, 150_000);
});
