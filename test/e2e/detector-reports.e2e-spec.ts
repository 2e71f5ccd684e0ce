import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { LibvirtHosts, startLibvirtHosts } from '@haaas/adapter-kvm/testing';
import { AppModule } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { AppConfig, loadConfig } from '@haaas/config';
import { LocalServer, startRedis } from '@haaas/devstack';
import { ClusterState, NodeStatus, TenantScope } from '@haaas/domain';
import { HeartbeatStore } from '@haaas/heartbeats';
import { openDataSource, runMigrations, Store } from '@haaas/persistence';
import { JobProducer, QUEUES } from '@haaas/queue';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { startWorker } from '@haaas/worker-server';
import type { GraphQLResponse } from './support/api';

const TENANT = 'reports-e2e';
const scope = TenantScope.of(TENANT, { subject: 'system:test', roles: ['admin'] });
const REPORT = `mutation($i: ReportNodeFailureInput!) {
  reportNodeFailure(input: $i) { nodeId status statusReason monitored pendingReports incidentExists incidentId incidentState }
}`;
type Report = { nodeId: string; status: NodeStatus; statusReason: string | null; monitored: boolean; pendingReports: number; incidentExists: boolean; incidentId: string | null; incidentState: string | null };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * External failure notifications through the real API (with FailureReportsModule, as app.module.ts
 * should wire it) and a real worker process context (startWorker: the detector as the worker runs
 * it), on one MariaDB, one Redis and a libvirt test-driver host.
 */
describe('reportNodeFailure: external monitors go through the detector', () => {
  let db: TestDatabase;
  let redisDir: string;
  let redis: LocalServer;
  let hosts: LibvirtHosts;
  let config: AppConfig;
  let api: INestApplication;
  let url: string;
  let worker: INestApplicationContext;
  let ds: Awaited<ReturnType<typeof openDataSource>>;
  let store: Store;
  let redisClient: Redis;
  let heartbeats: HeartbeatStore;
  let pump: NodeJS.Timeout;
  const alive = new Set<string>();
  let clusterId: string;
  let nodeId: string;
  let member: string;

  const gql = async <T>(token: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as GraphQLResponse<T>;
  };
  const report = async (token: string, input: Record<string, unknown>): Promise<Report> => {
    const res = await gql<{ reportNodeFailure: Report }>(token, REPORT, { i: input });
    if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
    return (res.data as { reportNodeFailure: Report }).reportNodeFailure;
  };
  const ok = async <T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await gql<T>(token, query, variables);
    if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
    return res.data as T;
  };
  const incidents = () => store.repos.incidents.find(scope, { nodeId });
  const events = async (type: string) => store.repos.events.find(scope, { clusterId, type });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    redisDir = mkdtempSync(join(tmpdir(), 'haaas-reports-redis-'));
    redis = await startRedis({ dataDir: redisDir });
    hosts = await startLibvirtHosts({ hosts: ['r1'] });
    config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: db.url, HAAAS_REDIS_URL: redis.url, HAAAS_HTTP_PORT: '0' });

    @Module({ imports: [AppModule.forRoot(config)] })
    class ApiWithReports {}
    api = await NestFactory.create(ApiWithReports, { logger: false });
    api.enableShutdownHooks();
    await api.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
    worker = await startWorker(config, { logger: false });

    ds = await openDataSource({ url: db.url, poolSize: 4 });
    store = new Store(ds);
    redisClient = new Redis(redis.url);
    heartbeats = new HeartbeatStore(redisClient);
    member = await signDevToken({ tenant: TENANT, roles: ['member'], subject: 'ops@example.com' }, config);

    const created = await ok<{ createCluster: { id: string } }>(member, `mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
      i: { name: 'east', hypervisor: 'KVM', policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: 2, minHealthyNodes: 1 } },
    });
    clusterId = created.createCluster.id;
    const joinNode = async (hostname: string, uri: string) =>
      (
        await ok<{ joinNode: { id: string } }>(member, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
          i: { clusterId, hostname, kind: 'PHYSICAL', endpoint: { uri }, capacity: { cpus: 4, memoryMb: 8192 } },
        })
      ).joinNode.id;
    nodeId = await joinNode('r1.example.com', hosts.host('r1').uri);
    const others = [await joinNode('r2.example.com', 'test:///default'), await joinNode('r3.example.com', 'test:///default')];
    // starting HA is the operations' mutation; the row is set directly here
    await store.transaction(async (repos) => {
      const c = await repos.clusters.lock(scope, clusterId);
      c.state = ClusterState.STARTED;
      await repos.clusters.save(scope, c);
    });
    for (const id of [nodeId, ...others]) alive.add(id);
    const beat = () =>
      Promise.all(
        [...alive].map((id) =>
          heartbeats
            .record({ tenantId: TENANT, clusterId, nodeId: id }, { sentAt: Date.now(), bootTime: 1_700_000_000_000, agentVersion: 'e2e', checks: { storage: { ok: true } } })
            .catch(() => undefined),
        ),
      );
    pump = setInterval(() => void beat(), 300);
    await waitFor('the node ONLINE', async () => (await store.repos.nodes.get(scope, nodeId)).status === NodeStatus.ONLINE);
  });

  afterAll(async () => {
    clearInterval(pump);
    await worker?.close();
    await api?.close();
    redisClient?.disconnect();
    await ds?.destroy();
    await hosts?.stop();
    await redis?.stop();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('declares nothing on a report while heartbeats arrive: the detector checks it and logs that it is not confirmed', async () => {
    const r = await report(member, { nodeId, source: 'pacemaker', reason: 'stonith says the node is lost' });
    expect(r).toMatchObject({ nodeId, status: NodeStatus.ONLINE, monitored: true, pendingReports: 1, incidentExists: false, incidentId: null });
    const [checked] = await waitFor('the report checked', async () => {
      const list = await events('node.failure_report_checked');
      return list.length > 0 ? list : undefined;
    });
    expect(checked?.message).toMatch(/failure reported by pacemaker: not confirmed/);
    expect(checked?.after).toMatchObject({ reports: 1, sources: ['pacemaker'], status: NodeStatus.ONLINE, suspect: false });
    expect(await incidents()).toEqual([]);
    const [reported] = await events('node.failure_reported');
    expect(reported).toMatchObject({ actor: 'ops@example.com', nodeId, after: { source: 'pacemaker', reason: 'stonith says the node is lost' } });
  });

  it('makes one incident out of many notifications and the detector\'s own detection of a real failure', async () => {
    await hosts.kill('r1');
    alive.delete(nodeId); // the host's agent falls silent with it
    const sources = ['pacemaker', 'masakari-hostmonitor', 'zabbix'];
    const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => report(member, { nodeId, source: sources[i % 3], reason: `host down (${i})` })));
    expect(burst.every((r) => r.monitored && r.pendingReports >= 1)).toBe(true);

    const [incident] = await waitFor('the incident', async () => {
      const list = await incidents();
      return list.length > 0 ? list : undefined;
    });
    // more reports after the declaration find the incident
    const late = await Promise.all(Array.from({ length: 8 }, () => report(member, { nodeId, source: 'pacemaker' })));
    for (const r of late) expect(r).toMatchObject({ status: NodeStatus.FAILED, incidentExists: true, incidentId: incident?.id });
    await new Promise((r) => setTimeout(r, 2500)); // 2 more ticks of the worker's detector
    expect(await incidents()).toHaveLength(1);
    expect(incident?.source).toBe('NOTIFICATION');
    expect((await events('incident.opened')).length).toBe(1);
    expect((await events('node.failed')).length).toBe(1);
    expect((await events('node.failure_reported')).length).toBe(1 + 24 + 8);
    const producer = new JobProducer(redisClient);
    try {
      const job = await producer.queue(QUEUES.recovery).getJob(incident?.id as string);
      expect(job).toMatchObject({ name: 'incident.recover', data: { tenantId: TENANT, incidentId: incident?.id } });
    } finally {
      await producer.close();
    }
  });

  it('checks who may report, and what', async () => {
    const before = (await events('node.failure_reported')).length;
    const reader = await signDevToken({ tenant: TENANT, roles: ['reader'] }, config);
    const forbidden = await gql(reader, REPORT, { i: { nodeId, source: 'pacemaker' } });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const stranger = await signDevToken({ tenant: 'someone-else', roles: ['member'] }, config);
    const missing = await gql(stranger, REPORT, { i: { nodeId, source: 'pacemaker' } });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const bad = await gql(member, REPORT, { i: { nodeId, source: '--rm -rf', reason: 'x'.repeat(600) } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(bad.errors)).toMatch(/source.*reason|reason.*source/);
    // none of those was logged, nor reached the detector
    expect((await events('node.failure_reported')).length).toBe(before);
  });
});
