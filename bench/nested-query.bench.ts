/**
 * `npm run bench`: the cost of the nested GraphQL query of the management API.
 *  1. SQL statements per request for clusters → nodes, services (→ resources, current node,
 *     domain), resources, failover domains (→ members → node), at two data sizes: they must be equal.
 *  2. p50/p99 latency and requests per second of that query on a 100-node cluster with 64
 *     concurrent clients, next to a baseline request (`viewer`, through the same HTTP, auth and
 *     GraphQL stack) measured in the same run, so the figures read as ratios on any machine.
 * Prints figures; it asserts nothing about time.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { queryCounter, runMigrations } from '@haaas/persistence';
import { pool } from './support/pool';

const NESTED = `query Nested {
  clusters(first: 50) { nodes {
    id name status { quorate nodesByStatus { status count } }
    nodes(first: 200) { nodes { id hostname status cluster { name } } }
    services(first: 200) { nodes { id name state currentNode { hostname } policy { priority failoverDomain { name } } resources { id name } } }
    resources(first: 500) { nodes { id name type service { name } } }
    failoverDomains(first: 50) { nodes { name members { priority node { hostname } } } }
  } }
}`;
const BASELINE = `query Baseline { viewer { subject tenantId } }`;

type Gql = (token: string, query: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

async function seed(gql: Gql, token: string, clusters: number, nodesPer: number, servicesPer: number): Promise<void> {
  for (let c = 0; c < clusters; c++) {
    const cluster = (await gql(token, `mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, { i: { name: `c${c}`, hypervisor: 'KVM' } })) as { createCluster: { id: string } };
    const clusterId = cluster.createCluster.id;
    const nodeIds = await pool(nodesPer, 8, async (n) => {
      const r = (await gql(token, `mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId, hostname: `c${c}-n${n}.bench`, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://c${c}-n${n}.bench/system` }, capacity: { cpus: 64, memoryMb: 262144 } },
      })) as { joinNode: { id: string } };
      return r.joinNode.id;
    });
    const domain = (await gql(token, `mutation($i: CreateFailoverDomainInput!) { createFailoverDomain(input: $i) { id } }`, {
      i: { clusterId, name: `d${c}`, ordered: true, members: nodeIds.slice(0, 8).map((nodeId, k) => ({ nodeId, priority: k + 1 })) },
    })) as { createFailoverDomain: { id: string } };
    await pool(servicesPer, 8, async (s) => {
      const vm = (await gql(token, `mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, {
        i: { clusterId, name: `vm${s}`, type: 'VM', vm: { hypervisorRef: `vm${s}` } },
      })) as { createResource: { id: string } };
      const ip = (await gql(token, `mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, {
        i: { clusterId, name: `ip${s}`, type: 'IP', ip: { address: `10.${c}.${s >> 8}.${s & 255}`, prefixLength: 16 } },
      })) as { createResource: { id: string } };
      await gql(token, `mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`, {
        i: { clusterId, name: `svc${s}`, policy: { priority: 1 + (s % 1000), failoverDomainId: domain.createFailoverDomain.id }, resources: [vm.createResource.id, ip.createResource.id] },
      });
    });
  }
}

interface LoadFigures {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
}

async function load(gql: Gql, token: string, query: string, clients: number, requests: number): Promise<LoadFigures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        next++;
        const t0 = performance.now();
        await gql(token, query);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), rps: latencies.length / seconds, requests: latencies.length };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    const dbUrl = process.env.HAAAS_DB_URL ? infra.dbUrl : await createDatabase(infra.dbUrl, `haaas_bench_${Date.now()}`);
    await runMigrations({ url: dbUrl });
    // the nested query asks for up to 50 clusters of 200 nodes and services: its cost (310,650) is over
    // the default limit of 100,000 (issue 12), which an operator serving such clients raises
    const config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: dbUrl, HAAAS_REDIS_URL: infra.redisUrl, HAAAS_QUERY_MAX_COST: '1000000' });
    const app = await createApiApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}/graphql`;
    const gql: Gql = async (token, query, variables) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
      return body.data ?? {};
    };
    const token = (tenant: string) => signDevToken({ tenant, roles: ['member'], subject: 'bench' }, config);

    console.log('HAaaS nested-query benchmark');
    console.log('1) SQL statements per request (nested query: clusters, nodes, services, resources, domains)');
    const sizes = [
      { tenant: 'small', clusters: 2, nodes: 5, services: 5 },
      { tenant: 'large', clusters: 6, nodes: 25, services: 25 },
    ];
    const statements: number[] = [];
    for (const s of sizes) {
      const t = await token(s.tenant);
      await seed(gql, t, s.clusters, s.nodes, s.services);
      await gql(t, NESTED); // warm caches (tenant provisioning) outside the count
      const before = queryCounter.total;
      await gql(t, NESTED);
      const n = queryCounter.total - before;
      statements.push(n);
      const rows = s.clusters * (s.nodes + s.services * 3);
      console.log(`   ${s.tenant.padEnd(6)} ${s.clusters} clusters, ${s.clusters * s.nodes} nodes, ${s.clusters * s.services} services, ${s.clusters * s.services * 2} resources (${rows} rows): ${n} statements`);
    }
    console.log(`   equal at both sizes: ${statements[0] === statements[1] ? 'yes' : 'NO'}`);

    console.log('2) Latency and throughput, 100-node cluster (100 services, 200 resources), 64 concurrent clients');
    const t = await token('load');
    await seed(gql, t, 1, 100, 100);
    await load(gql, t, NESTED, 8, 64); // warm-up
    const requests = Number(process.env.BENCH_REQUESTS ?? 1000);
    const base = await load(gql, t, BASELINE, 64, requests);
    const nested = await load(gql, t, NESTED, 64, requests);
    const row = (name: string, f: LoadFigures) =>
      `   ${name.padEnd(9)} p50 ${f.p50.toFixed(1).padStart(7)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms   ${f.rps.toFixed(0).padStart(6)} req/s   (${f.requests} requests)`;
    console.log(row('baseline', base));
    console.log(row('nested', nested));
    console.log(`   ratio nested/baseline: p50 ${(nested.p50 / base.p50).toFixed(1)}x, p99 ${(nested.p99 / base.p99).toFixed(1)}x, throughput ${(nested.rps / base.rps).toFixed(2)}x`);
    await app.close();
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
