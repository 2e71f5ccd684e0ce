import { spawnSync } from 'node:child_process';
import type { INestApplicationContext } from '@nestjs/common';
import { findBinary } from '@haaas/devstack';
import { METRIC } from '@haaas/metrics';
import { testRedisUrl } from '@haaas/testing';
import { startWorker, workerMetricsUrl } from '@haaas/worker-server';
import { startTestApi, TestApi } from './support/api';

const TOKEN = 'metrics-e2e-token-0123456789';

async function scrape(url: string, token: string | null = TOKEN): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** The sample's value in an exposition, by name and labels (any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** The API's and the worker's /metrics, over HTTP, as Prometheus scrapes them; checked by promtool. */
describe('metrics endpoints (real API and worker, MariaDB, Redis)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let workerUrl: string;

  beforeAll(async () => {
    api = await startTestApi({ HAAAS_METRICS_TOKEN: TOKEN, HAAAS_REDIS_URL: testRedisUrl(58) });
    worker = await startWorker(api.config, { logger: false });
    workerUrl = workerMetricsUrl(worker) ?? '';
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('refuses a scrape without the token or with a wrong one (401), on the API and on the worker', async () => {
    for (const url of [api.url, workerUrl]) {
      const none = await scrape(url, null);
      expect(none.status).toBe(401);
      expect(none.body).not.toContain('haaas_');
      expect((await scrape(url, 'wrong-token-but-long-enough')).status).toBe(401);
      expect((await scrape(url)).status).toBe(200);
    }
  });

  it('counts GraphQL operations by name and result code, HTTP requests by route, heartbeats by result', async () => {
    const member = await api.token('metrics-e2e');
    await api.ok(member, 'query ListClusters { clusters { nodes { id } } }');
    await api.gql(null, 'query ListClusters { clusters { nodes { id } } }');
    await fetch(`${api.url}/v1/agent/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' }, body: '{}' });
    const { body, type } = await scrape(api.url);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, METRIC.graphqlRequests, { operation: 'ListClusters', type: 'query', code: 'OK', process: 'api' })).toBe(1);
    expect(sample(body, METRIC.graphqlRequests, { operation: 'ListClusters', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(body, METRIC.httpRequests, { method: 'POST', route: '/graphql', code: '200' })).toBeGreaterThanOrEqual(2);
    expect(sample(body, METRIC.heartbeats, { result: 'rejected' })).toBe(1);
    // the route pattern, never a path with ids in it
    await fetch(`${api.url}/v1/agent/actions/0d1c6c1e-0000-4000-8000-000000000000/result`, { method: 'POST' });
    expect(sample((await scrape(api.url)).body, METRIC.httpRequests, { route: '/v1/agent/actions/:id/result' })).toBe(1);
  });

  it('serves the counts read at scrape time on the worker: nodes, incidents, queues, the detector', async () => {
    const { body } = await scrape(workerUrl);
    expect(sample(body, METRIC.queueJobs, { queue: 'haaas.recovery', state: 'waiting', process: 'worker' })).toBe(0);
    expect(sample(body, METRIC.detectorLeading)).toBeDefined();
    expect(body).toContain(`# TYPE ${METRIC.nodes} gauge`);
    expect(body).toContain(`# TYPE ${METRIC.incidents} gauge`);
    expect(sample(body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('is a valid exposition by promtool check metrics (the API and the worker)', async () => {
    const promtool = findBinary('promtool');
    if (!promtool) throw new Error('promtool not found: install the Debian package prometheus (test/peers/debian-packages.txt)');
    for (const url of [api.url, workerUrl]) {
      const { body } = await scrape(url);
      const run = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      // promtool exits 3 for lint problems, listed one a line. prom-client's own Node.js gauges
      // (nodejs_active_*_total) carry a _total suffix it cannot drop without renaming them for
      // every user: those three are known; anything else, and anything of ours, fails
      const problems = `${run.stdout}${run.stderr}`.trim().split('\n').filter(Boolean);
      expect(problems.filter((p) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(p))).toEqual([]);
      expect([0, 3]).toContain(run.status);
    }
  });
});
