/**
 * `npm run bench query-limits`: the attack query of issue 12 (clusters → nodes → cluster → nodes …,
 * depth 34, on a 3-node cluster) next to another tenant's ordinary requests, on one API process.
 *  1. baseline: tenant B's query alone (8 clients).
 *  2. control: B again while tenant A sends ordinary requests in a loop (4 clients): what any busy
 *     neighbour costs B on a shared 2-core machine.
 *  3. with the default limits: B again while tenant A sends the depth-34 query in a loop (4 clients);
 *     A's refusal time, and B's latency as a ratio against the baseline and against the control
 *     (about 1x there means the attack costs B no more than an ordinary neighbour does).
 * (The deadline alone is no substitute: with the query limits off, four such queries at once
 * exhaust the database connections before their deadline; the deadline is shown by a test.)
 * Prints figures as ratios against the baseline of the same run; asserts nothing about time.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '@haaas/api-server';
import { signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';

/** Depth 1 + 3 × hops (34 at 11 hops); on a 3-node cluster it reads 3^11 nodes. */
function fanOutQuery(hops: number): string {
  let inner = 'nodes { nodes { id hostname } }';
  for (let i = 1; i < hops; i++) inner = `nodes { nodes { id hostname cluster { name ${inner} } } }`;
  return `{ clusters { nodes { ${inner} } } }`;
}
const ATTACK = fanOutQuery(11);
const ORDINARY = '{ clusters { nodes { id name nodes { nodes { id hostname status } } } } }';

interface Figures {
  p50: number;
  p95: number;
  requests: number;
  codes: Map<string, number>;
}

type Post = (token: string, query: string) => Promise<{ code: string; data?: Record<string, unknown> }>;

function figures(latencies: number[], codes: Map<string, number>): Figures {
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), requests: latencies.length, codes };
}

/** `clients` loops sending `query` until `until()` says stop (or `requests` were sent). */
async function loop(post: Post, token: string, query: string, clients: number, stop: { requests?: number; until?: () => boolean }): Promise<Figures> {
  const latencies: number[] = [];
  const codes = new Map<string, number>();
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while ((stop.requests === undefined || sent < stop.requests) && !(stop.until?.() ?? false)) {
        sent++;
        const t0 = performance.now();
        const { code } = await post(token, query);
        latencies.push(performance.now() - t0);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }),
  );
  return figures(latencies, codes);
}

async function startApi(dbUrl: string, redisUrl: string, env: Record<string, string>): Promise<{ post: Post; token: (t: string) => Promise<string>; close: () => Promise<void> }> {
  const config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: dbUrl, HAAAS_REDIS_URL: redisUrl, ...env });
  const app = await createApiApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const post: Post = async (token, query) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
    return { code: body.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`, ...(body.data ? { data: body.data } : {}) };
  };
  return { post, token: (tenant) => signDevToken({ tenant, roles: ['admin'], subject: 'bench' }, config), close: () => app.close() };
}

function row(name: string, f: Figures, base?: Figures): string {
  const ratio = base ? `   p50 ${(f.p50 / base.p50).toFixed(2)}x, p95 ${(f.p95 / base.p95).toFixed(2)}x of baseline` : '';
  const codes = [...f.codes].map(([c, n]) => `${c} ${n}`).join(', ');
  return `   ${name.padEnd(38)} p50 ${f.p50.toFixed(1).padStart(7)} ms  p95 ${f.p95.toFixed(1).padStart(7)} ms  (${f.requests}: ${codes})${ratio}`;
}

async function phase(api: Awaited<ReturnType<typeof startApi>>, label: string, aQuery: string, base: Figures | undefined, requests: number): Promise<{ victim: Figures; attack: Figures }> {
  const [attacker, victim] = [await api.token('attacker'), await api.token('victim')];
  let done = false;
  const attackRun = loop(api.post, attacker, aQuery, 4, { until: () => done });
  const victimRun = await loop(api.post, victim, ORDINARY, 8, { requests });
  done = true;
  const attack = await attackRun;
  console.log(row(`${label}: B, ordinary`, victimRun, base));
  console.log(row(`${label}: A x4`, attack, base));
  return { victim: victimRun, attack };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    const dbUrl = await createDatabase(infra.dbUrl, `haaas_bench_${Date.now()}`);
    await runMigrations({ url: dbUrl });
    const requests = Number(process.env.BENCH_REQUESTS ?? 400);
    console.log('HAaaS query-limits benchmark: the depth-34 fan-out next to another tenant (one API process)');

    const limited = await startApi(dbUrl, infra.redisUrl, {});
    for (const tenant of ['attacker', 'victim']) await seedTenant(limited.post, await limited.token(tenant));
    await loop(limited.post, await limited.token('victim'), ORDINARY, 4, { requests: 40 }); // warm-up
    const base = await loop(limited.post, await limited.token('victim'), ORDINARY, 8, { requests });
    console.log(row('baseline: tenant B alone', base));
    const alone = await loop(limited.post, await limited.token('attacker'), ATTACK, 1, { requests: 50 });
    console.log(row('tenant A alone, depth 34 (1 client)', alone, base));
    // Control and attack phases alternate, so that the machine's load drifts over both alike.
    const controls: Figures[] = [];
    const attacks: { victim: Figures; attack: Figures }[] = [];
    for (let round = 0; round < 3; round++) {
      controls.push((await phase(limited, `control ${round + 1}, A ordinary`, ORDINARY, base, requests)).victim);
      attacks.push(await phase(limited, `attack ${round + 1}, A depth 34`, ATTACK, base, requests));
    }
    await limited.close();
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const under = { p50: median(attacks.map((a) => a.victim.p50)), p95: median(attacks.map((a) => a.victim.p95)) };
    const refusal = median(attacks.map((a) => a.attack.p50));
    const control = { p50: median(controls.map((c) => c.p50)), p95: median(controls.map((c) => c.p95)) };

    console.log(`   depth-34 refusal p50: ${alone.p50.toFixed(1)} ms alone, ${refusal.toFixed(1)} ms under load = ${(refusal / base.p50).toFixed(2)}x the ordinary request's p50`);
    console.log(`   tenant B under attack (median of 3): p50 ${(under.p50 / base.p50).toFixed(2)}x, p95 ${(under.p95 / base.p95).toFixed(2)}x of its baseline alone`);
    console.log(`   tenant B under attack vs next to an ordinary busy neighbour: p50 ${(under.p50 / control.p50).toFixed(2)}x, p95 ${(under.p95 / control.p95).toFixed(2)}x`);
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One cluster of 3 nodes for a tenant. */
async function seedTenant(post: Post, token: string): Promise<void> {
  const gql = async (query: string): Promise<Record<string, unknown>> => {
    const res = await post(token, query);
    if (!res.data) throw new Error(`seed failed: ${res.code}`);
    return res.data;
  };
  const created = (await gql('mutation { createCluster(input: { name: "bench", hypervisor: KVM }) { id } }')) as { createCluster: { id: string } };
  for (let n = 0; n < 3; n++) {
    await gql(
      `mutation { joinNode(input: { clusterId: "${created.createCluster.id}", hostname: "n${n}.bench", kind: PHYSICAL, endpoint: { uri: "qemu+ssh://n${n}.bench/system" }, capacity: { cpus: 8, memoryMb: 8192 } }) { id } }`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
