/**
 * `npm run bench cli`: the `haaas` CLI's cost, next to a bare SDK call in the same run.
 *  1. Start-up to first request: from spawning the process to the first HTTP request reaching the
 *     API (through a counting proxy), for `haaas cluster list` and for `node -e` doing the same SDK
 *     call (same swc loader, same SDK).
 *  2. Wall time of `haaas cluster list -f json` (20 clusters), with a HAaaS JWT and with a cached
 *     Keystone token, next to `node -e`.
 *  3. Keystone validations per API request with the validation cache (real Keystone): over the
 *     CLI runs of 2, then over a burst of requests with one Keystone token (as a long-lived
 *     client, the Terraform provider or `event list --follow` would make them).
 * Prints figures; it asserts nothing about time.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiApp } from '@haaas/api-server';
import { KEYSTONE_AUTHENTICATOR, signDevToken } from '@haaas/auth';
import { loadConfig } from '@haaas/config';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { runMigrations } from '@haaas/persistence';
import { startKeystone } from '@haaas/testing';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'apps', 'cli', 'bin', 'haaas.js');
const RUNS = 5;
const CLUSTERS = 20;
const BURST = 200;

/** The SDK call of `haaas cluster list`, run by node -e with the CLI's loader (bin/haaas.js minus the CLI). */
const NODE_E = `
const path = require('node:path'); const Module = require('node:module');
process.env.SWC_NODE_PROJECT = path.join(${JSON.stringify(ROOT)}, 'tsconfig.json'); require('@swc-node/register');
const r = Module._resolveFilename; Module._resolveFilename = function (q, p, ...x) { try { return r.call(this, q, p, ...x); } catch (e) { if (!q.startsWith('.') || !q.endsWith('.js')) throw e; return r.call(this, q.slice(0, -3) + '.ts', p, ...x); } };
const { HaaasClient } = require(${JSON.stringify(join(ROOT, 'sdk', 'src', 'index.ts'))});
new HaaasClient({ url: process.env.HAAAS_URL, token: process.env.HAAAS_TOKEN }).clusters.list().toArray().then((c) => process.stdout.write(JSON.stringify(c)));
`;

/** A proxy in front of the API that notes when each request arrives. */
function countingProxy(target: string): Promise<{ url: string; arrivals: number[]; server: Server }> {
  const arrivals: number[] = [];
  const t = new URL(target);
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    const up = httpRequest({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, arrivals, server })));
}

function timed(args: string[], env: Record<string, string>, arrivals: number[]): Promise<{ wallMs: number; firstRequestMs: number }> {
  return new Promise((done, fail) => {
    const before = arrivals.length;
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`${args.join(' ')} exited ${code}`));
      done({ wallMs: performance.now() - t0, firstRequestMs: (arrivals[before] ?? NaN) - t0 });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function series(what: string, args: string[], env: Record<string, string>, arrivals: number[]): Promise<{ wall: number; first: number }> {
  await timed(args, env, arrivals); // warm: swc's cache, the token cache
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timed(args, env, arrivals));
  const wall = median(runs.map((r) => r.wallMs));
  const first = median(runs.map((r) => r.firstRequestMs));
  console.log(`   ${what.padEnd(44)} start-up to first request ${first.toFixed(0).padStart(5)} ms, wall ${wall.toFixed(0).padStart(5)} ms (median of ${RUNS})`);
  return { wall, first };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-cli-'));
  const infra = await startLocalInfra({ dataDir: dir });
  const keystone = await startKeystone();
  try {
    console.log('HAaaS CLI benchmark');
    const dbUrl = await createDatabase(infra.dbUrl, `haaas_bench_cli_${process.pid}`);
    await runMigrations({ url: dbUrl });
    const s = keystone.fixture.service;
    const config = loadConfig({
      NODE_ENV: 'test', HAAAS_DB_URL: dbUrl, HAAAS_REDIS_URL: infra.redisUrl, HAAAS_HTTP_PORT: '0',
      HAAAS_KEYSTONE_URL: keystone.authUrl, HAAAS_KEYSTONE_USERNAME: s.name, HAAAS_KEYSTONE_PASSWORD: s.password,
    });
    const app = await createApiApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const proxy = await countingProxy(apiUrl);
    const { alice, projectA, domain } = keystone.fixture;
    const jwt = await signDevToken({ tenant: projectA.id, roles: ['member'] }, config);
    for (let c = 0; c < CLUSTERS; c++) {
      await fetch(`${apiUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify({ query: `mutation { createCluster(input: { name: "c${c}", hypervisor: KVM }) { id } }` }) });
    }
    console.log(`   ${CLUSTERS} clusters; Keystone ${keystone.authUrl} (started in ${(keystone.startMs / 1000).toFixed(1)} s)`);

    console.log('1-2) cluster list');
    const jwtEnv = { HAAAS_URL: proxy.url, HAAAS_TOKEN: jwt, HOME: dir };
    const base = await series('node -e (SDK: clusters.list().toArray())', ['-e', NODE_E], jwtEnv, proxy.arrivals);
    const cliJwt = await series('haaas cluster list -f json (HAAAS_TOKEN)', [BIN, 'cluster', 'list', '-f', 'json'], jwtEnv, proxy.arrivals);
    const ksEnv = {
      HOME: dir, HAAAS_URL: proxy.url, HAAAS_TOKEN_CACHE: join(dir, 'tokens.json'), OS_AUTH_URL: keystone.authUrl, OS_USERNAME: alice.name, OS_PASSWORD: alice.password,
      OS_USER_DOMAIN_NAME: domain.name, OS_PROJECT_ID: projectA.id,
    };
    const auth = app.get<{ validations: number }>(KEYSTONE_AUTHENTICATOR);
    const requestsBefore = proxy.arrivals.length;
    const validationsBefore = auth.validations;
    const cliKs = await series('haaas cluster list -f json (Keystone, cached)', [BIN, 'cluster', 'list', '-f', 'json'], ksEnv, proxy.arrivals);
    console.log(`   ratios to node -e: start-up ${(cliJwt.first / base.first).toFixed(2)}x (JWT), ${(cliKs.first / base.first).toFixed(2)}x (Keystone); wall ${(cliJwt.wall / base.wall).toFixed(2)}x (JWT), ${(cliKs.wall / base.wall).toFixed(2)}x (Keystone)`);

    const requests = proxy.arrivals.length - requestsBefore;
    const validations = auth.validations - validationsBefore;
    console.log('3) Keystone validations per API request (validation cache, default 30 s)');
    console.log(`   CLI runs: ${validations} validations for ${requests} requests with Keystone tokens: ${(validations / requests).toFixed(3)} per request`);
    const { token } = await keystone.issueToken(alice, projectA.id);
    const burstBefore = auth.validations;
    for (let i = 0; i < BURST; i++) {
      const r = await fetch(`${apiUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token }, body: JSON.stringify({ query: '{ clusters(first: 1) { edges { node { id } } } }' }) });
      const body = (await r.json()) as { errors?: unknown[] };
      if (!r.ok || body.errors) throw new Error(`burst request ${i}: HTTP ${r.status} ${JSON.stringify(body)}`);
    }
    const burst = auth.validations - burstBefore;
    console.log(`   one client: ${burst} validations for ${BURST} requests with one Keystone token: ${(burst / BURST).toFixed(3)} per request`);
    await new Promise((r) => proxy.server.close(r));
    await app.close();
  } finally {
    await keystone.stop();
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
