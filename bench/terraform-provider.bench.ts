/**
 * `npm run bench terraform-provider`: the provider under real Terraform (OpenTofu when Terraform is
 * absent) against the real API (MariaDB, Redis), next to the same work done directly through the
 * SDK in the same run:
 *
 * 1. `terraform apply` of one cluster and 100 services vs `clusters.create` + 100
 *    `services.create` (10 at a time, Terraform's default parallelism);
 * 2. `terraform plan` on that state vs reading the cluster and the 100 services (10 at a time);
 * 3. the provider's start-up per Terraform run (process start to handshake line) vs a bare
 *    `node -e 0`.
 *
 * API requests are counted by a pass-through HTTP proxy in front of the API that both sides use;
 * RPCs by the provider itself (HAAAS_PROVIDER_STATS). Prints figures and ratios; asserts nothing.
 * Environment: BENCH_SERVICES (default 100).
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiApp } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';
import { buildProvider, ensureTofu, findTerraform, Workdir } from '../terraform-provider/test/support/cli';
import { pool } from './support/pool';

// the SDK as shipped (sdk/dist/cjs, built now unless up to date): its sources import './x.js',
// which the bench's runtime does not map
const SDK_DIR = join(__dirname, '..', 'sdk');
const sdkBuild = spawnSync(process.execPath, [join(SDK_DIR, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (sdkBuild.status !== 0) process.exit(sdkBuild.status ?? 1);
// the built CommonJS copy, typed by the sources
const { HaaasClient } = require(join(SDK_DIR, 'dist', 'cjs', 'index.js')) as typeof import('@haaas/sdk');

const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);

/** A pass-through proxy that counts the requests it forwards. */
async function countingProxy(target: number): Promise<{ url: string; count: () => number; close: () => void }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    const up = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n, close: () => server.close() };
}

const hcl = (tenant: string, services: number): string => `terraform {
  required_providers {
    haaas = { source = "haaas/haaas" }
  }
}
provider "haaas" {}
resource "haaas_cluster" "c" {
  name       = "bench-${tenant}"
  hypervisor = "KVM"
}
resource "haaas_service" "s" {
  count      = ${services}
  cluster_id = haaas_cluster.c.id
  name       = "svc-\${count.index}"
  priority   = 10 + count.index
}
`;

interface ProviderRun {
  startupMs: number;
  rpcs: Record<string, number>;
  apiRequests: number;
}

function readStats(file: string): ProviderRun[] {
  if (!existsSync(file)) return [];
  const runs = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProviderRun);
  rmSync(file);
  return runs;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-tf-'));
  const infra = await startLocalInfra({ dataDir: dir });
  const built = buildProvider();
  const cli = findTerraform() ?? (await ensureTofu());
  try {
    const dbUrl = await createDatabase(infra.dbUrl, `haaas_bench_tf_${Date.now()}`);
    await runMigrations({ url: dbUrl });
    const config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: dbUrl, HAAAS_REDIS_URL: infra.redisUrl });
    const app = await createApiApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const proxy = await countingProxy((app.getHttpServer().address() as AddressInfo).port);
    const token = (tenant: string) => signDevToken({ tenant, roles: ['member'], subject: 'bench' }, config);
    const n = SERVICES + 1;
    console.log(`HAaaS terraform-provider benchmark (${cli.name}; 1 cluster + ${SERVICES} services = ${n} resources)`);

    // the SDK, directly: the same objects, then reading them back
    const sdk = new HaaasClient({ url: proxy.url, token: await token('sdk') });
    await sdk.clusters.list({}).toArray(); // tenant provisioned outside the count
    let before = proxy.count();
    let t0 = performance.now();
    const cluster = await sdk.clusters.create({ name: 'bench-sdk', hypervisor: 'KVM' });
    const created = await pool(SERVICES, 10, (i) => sdk.services.create({ clusterId: cluster.id, name: `svc-${i}`, policy: { priority: 10 + i } }));
    const sdkApply = { ms: performance.now() - t0, requests: proxy.count() - before };
    before = proxy.count();
    t0 = performance.now();
    await sdk.clusters.get(cluster.id);
    await pool(SERVICES, 10, (i) => sdk.services.get(created[i]?.id ?? ''));
    const sdkRead = { ms: performance.now() - t0, requests: proxy.count() - before };

    // the provider under the CLI
    const stats = join(dir, 'provider-stats.jsonl');
    const tfToken = await token('tf');
    await new HaaasClient({ url: proxy.url, token: tfToken }).clusters.list({}).toArray();
    const wd = new Workdir(cli, built, { url: proxy.url, token: tfToken }, { HAAAS_PROVIDER_STATS: stats });
    try {
      wd.write({ 'main.tf': hcl('tf', SERVICES) });
      await wd.ok(['init']);
      readStats(stats);
      const step = async (args: string[], codes?: number[]) => {
        const b = proxy.count();
        const s = performance.now();
        await wd.ok(args, codes);
        const runs = readStats(stats);
        return { ms: performance.now() - s, requests: proxy.count() - b, rpcs: sum(runs.map((r) => sum(Object.values(r.rpcs)))), runs };
      };
      const apply = await step(['apply', '-auto-approve']);
      const plan = await step(['plan', '-detailed-exitcode'], [0]);

      const bare: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        spawnSync(process.execPath, ['-e', '0']);
        bare.push(performance.now() - s);
      }
      const startups = [...apply.runs, ...plan.runs].map((r) => r.startupMs);

      const row = (what: string, tf: { ms: number; requests: number }, base: { ms: number; requests: number }, rpcs: number) =>
        console.log(
          `   ${what}: ${cli.name} ${(tf.ms / 1000).toFixed(2)} s, ${(tf.requests / n).toFixed(2)} API requests and ${(rpcs / n).toFixed(2)} RPCs per resource` +
            ` | SDK ${(base.ms / 1000).toFixed(2)} s, ${(base.requests / n).toFixed(2)} API requests per resource` +
            ` | wall ${(tf.ms / base.ms).toFixed(1)}x, requests ${(tf.requests / base.requests).toFixed(2)}x`,
        );
      console.log('1) create');
      row('apply', apply, sdkApply, apply.rpcs);
      console.log('2) read back');
      row('plan ', plan, sdkRead, plan.rpcs);
      console.log('3) provider start-up (process start to handshake line)');
      console.log(
        `   ${startups.length} provider processes in 2 runs (${apply.runs.length} for apply, ${plan.runs.length} for plan): median ${median(startups).toFixed(0)} ms` +
          ` | bare node -e 0: median ${median(bare).toFixed(0)} ms | ratio ${(median(startups) / median(bare)).toFixed(1)}x`,
      );
      const perRun = (runs: ProviderRun[]) => Object.entries(runs.reduce<Record<string, number>>((acc, r) => (Object.entries(r.rpcs).forEach(([k, v]) => (acc[k] = (acc[k] ?? 0) + v)), acc), {}));
      console.log(`   RPCs of the apply: ${perRun(apply.runs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`   RPCs of the plan: ${perRun(plan.runs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    } finally {
      wd.remove();
      proxy.close();
      await app.close();
    }
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
