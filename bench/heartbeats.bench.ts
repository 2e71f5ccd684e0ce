/**
 * `node tools/run.js bench/heartbeats.bench.ts` (or `npm run bench heartbeats`): heartbeats per
 * second on one API process, next to a bare Node HTTP server answering the same requests (parse
 * the JSON, 204) in the same run.
 *
 *  - The real API (Nest, the agent-token check, the Redis record script) on a real MariaDB and
 *    Redis, N simulated nodes (default 2000) each with its own valid token, joined and issued
 *    through GraphQL.
 *  - Load: keep-alive HTTP/1.1 connections from worker threads (a loop of node:http requests, not
 *    autocannon: each request carries its own node's token and a fresh body, no dependency is
 *    added, and the load generator runs on its own event loops, not the API's). Each phase is
 *    bounded in time and in requests; the two servers alternate (bare, API, bare, API) so that
 *    load from elsewhere on the machine falls on both alike; the better round of each is shown.
 *  - For reference, a route of the same API that does nothing (GET /health/live): what NestJS and
 *    Express cost before the heartbeat's own work.
 *  - Then the target load, N nodes at 1 Hz: latency, and how busy the API's event loop is; and the
 *    same at three fleet sizes (N/10, N/2, N nodes of the same fleet) with the event loop's busy
 *    time per heartbeat, so that the growth shows.
 *  - Heartbeats are answered ahead of Express and Nest (ADR 0018); the Nest empty route stays the
 *    framework's reference.
 *  - SQL statements during the API phases (the token check must not reach MySQL: expect 0).
 * Prints figures; it asserts nothing about time. Environment: BENCH_NODES, BENCH_SECONDS (per
 * phase), BENCH_REQUESTS (cap per phase), BENCH_CONNECTIONS, BENCH_WORKERS.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { startLocalInfra } from '@haaas/devstack';
import { TenantScope } from '@haaas/domain';
import { HeartbeatStore } from '@haaas/heartbeats';
import { queryCounter } from '@haaas/persistence';
import { startAgentFleet } from './support/agent-fleet';

const NODES = Number(process.env.BENCH_NODES ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MAX_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = Number(process.env.BENCH_WORKERS ?? Math.max(1, availableParallelism() - 1));
const NODES_PER_CLUSTER = 100;
const TENANT = 'bench';

interface Phase {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
  /** Share of the main thread's event loop (the server's) that was busy. */
  readonly elu: number;
}

/**
 * The load generator, plain JavaScript for worker threads. Closed loop: `connections` keep-alive
 * connections, each sending its next request when the previous answered (mode "max"); or open
 * loop: every node once per `periodMs` at a random phase (mode "paced").
 */
const LOADGEN = String.raw`
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { port, tokens, connections, seconds, maxRequests, mode, periodMs, path, method } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
const statuses = {};
let errors = 0, sent = 0, next = 0;
const bootTime = new Date(Date.now() - 86400000).toISOString();
function once(token) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ sentAt: new Date().toISOString(), bootTime, agentVersion: 'bench',
      checks: { storage: { ok: true, detail: 'wrote and synced /shared/.haaas-agent-h in 2 ms' }, isolationAddress: { ok: true, address: '192.0.2.1', detail: 'ICMP echo answered in 1 ms' } } });
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path, method, agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer ' + token } }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        if (res.statusCode !== 200 && res.statusCode !== 204) errors++;
        resolve();
      });
    });
    req.on('error', () => { errors++; statuses.error = (statuses.error || 0) + 1; resolve(); });
    req.end(body);
  });
}
(async () => {
  const started = performance.now();
  const until = started + seconds * 1000;
  if (mode === 'max') {
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < until && sent < maxRequests) {
        sent++;
        await once(tokens[next++ % tokens.length]);
      }
    }));
  } else {
    const inflight = new Set();
    await Promise.all(tokens.map(async (token) => {
      await new Promise((r) => setTimeout(r, Math.random() * periodMs));
      while (performance.now() < until) {
        const t = performance.now();
        const p = once(token); inflight.add(p); await p; inflight.delete(p);
        const wait = periodMs - (performance.now() - t);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }));
  }
  agent.destroy();
  parentPort.postMessage({ latencies, statuses, errors, seconds: (performance.now() - started) / 1000 });
})();
`;

/** What a phase requests: the heartbeat endpoint, or (as a reference) a trivial route of the same API. */
interface Target {
  readonly port: number;
  readonly path?: string;
  readonly method?: 'POST' | 'GET';
}

async function load(target: Target, tokens: readonly string[], mode: 'max' | 'paced', seconds: number): Promise<Phase> {
  const workers = mode === 'max' ? Math.min(WORKERS, CONNECTIONS) : WORKERS;
  const elu0 = performance.eventLoopUtilization();
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const share = mode === 'max' ? tokens : tokens.filter((_t, i) => i % workers === w);
      const worker = new Worker(LOADGEN, {
        eval: true,
        workerData: { port: target.port, path: target.path ?? '/v1/agent/heartbeat', method: target.method ?? 'POST', tokens: share, connections: Math.ceil(CONNECTIONS / workers), seconds, maxRequests: Math.ceil(MAX_REQUESTS / workers), mode, periodMs: 1000 },
      });
      return new Promise<{ latencies: number[]; statuses: Record<string, number>; errors: number; seconds: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const secs = Math.max(...results.map((r) => r.seconds));
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors: results.reduce((n, r) => n + r.errors, 0), seconds: secs, rps: latencies.length / secs, p50: at(0.5), p99: at(0.99), statuses, elu };
}

/** The baseline: what any Node HTTP endpoint must do for a heartbeat (read the body, parse JSON, answer 204). */
function bareServer(): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    console.log('HAaaS heartbeats benchmark');
    const fleet = await startAgentFleet(infra, { nodes: NODES, perCluster: NODES_PER_CLUSTER, tenant: TENANT, dbPrefix: 'haaas_bench_hb' });
    const { app, apiPort, clusters } = fleet;
    const tokens = fleet.nodes.map((n) => n.token);
    console.log(`   ${NODES} nodes in ${clusters.length} clusters, each with its own token (joined and issued in ${fleet.seedSeconds.toFixed(1)} s)`);
    console.log(`   load: ${CONNECTIONS} keep-alive connections from ${WORKERS} worker thread(s); ${SECONDS} s or ${MAX_REQUESTS} requests per phase; ${availableParallelism()} CPUs`);

    const bare = await bareServer();
    const barePort = (bare.address() as { port: number }).port;

    const bareTarget: Target = { port: barePort };
    const apiTarget: Target = { port: apiPort };
    // a route of the same Nest application that does nothing (GET /health/live): the framework's floor
    const floorTarget: Target = { port: apiPort, path: '/health/live', method: 'GET' };

    // warm-up: JIT, connection pools, the API's caches (as after a few seconds of real traffic)
    await load(bareTarget, tokens, 'max', 1);
    await load(apiTarget, tokens, 'max', 2);
    await load(floorTarget, tokens, 'max', 1);

    const rounds: { bare: Phase; api: Phase; floor: Phase }[] = [];
    let sql = 0;
    for (let round = 0; round < 2; round++) {
      const bare = await load(bareTarget, tokens, 'max', SECONDS);
      const before = queryCounter.total;
      const api = await load(apiTarget, tokens, 'max', SECONDS);
      sql += queryCounter.total - before;
      const floor = await load(floorTarget, tokens, 'max', SECONDS);
      rounds.push({ bare, api, floor });
    }
    const best = (pick: (r: (typeof rounds)[number]) => Phase) => rounds.map(pick).reduce((x, y) => (y.rps > x.rps ? y : x));
    const bareBest = best((r) => r.bare);
    const apiBest = best((r) => r.api);
    const floorBest = best((r) => r.floor);
    const row = (name: string, f: Phase) =>
      `   ${name.padEnd(30)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(6)} ms   ${f.requests} requests, ${f.errors} errors ${JSON.stringify(f.statuses)}`;
    console.log('1) Throughput, closed loop (each connection sends its next request when answered)');
    console.log(row('bare node:http heartbeat (204)', bareBest));
    console.log(row('HAaaS API heartbeat (200)', apiBest));
    console.log(row('HAaaS API GET /health/live', floorBest));
    console.log(`   ratio API heartbeat / bare: throughput ${(apiBest.rps / bareBest.rps).toFixed(2)}x, p50 latency ${(apiBest.p50 / bareBest.p50).toFixed(1)}x`);
    console.log(`   ratio API heartbeat / the API's empty route: throughput ${(apiBest.rps / floorBest.rps).toFixed(2)}x (the rest is NestJS and Express)`);
    console.log(`   SQL statements during ${rounds.reduce((n, r) => n + r.api.requests, 0)} API heartbeats: ${sql}`);

    console.log(`2) Target load: ${NODES} nodes at 1 Hz for ${SECONDS * 2} s (open loop, random phases)`);
    const beforePaced = queryCounter.total;
    const pacedBare = await load(bareTarget, tokens, 'paced', SECONDS * 2);
    const paced = await load(apiTarget, tokens, 'paced', SECONDS * 2);
    const pacedRow = (name: string, f: Phase) =>
      `   ${name.padEnd(30)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(6)} ms   server event loop busy ${(f.elu * 100).toFixed(0)}%   ${f.errors} errors`;
    console.log(pacedRow('bare node:http heartbeat (204)', pacedBare));
    console.log(pacedRow('HAaaS API heartbeat (200)', paced));
    console.log(`   headroom: the API's closed-loop rate is ${(apiBest.rps / NODES).toFixed(1)}x this load`);
    console.log(`   SQL statements: ${queryCounter.total - beforePaced} (none for tokens; each cluster's interval is re-read when Redis's 30 s copy expires: ${clusters.length} clusters)`);

    console.log(`   growth: the API at 1 Hz for ${SECONDS} s with part of the fleet`);
    console.log('     nodes   req/s    p50 ms    p99 ms   loop busy   busy µs per heartbeat');
    for (const n of [Math.max(1, Math.floor(NODES / 10)), Math.floor(NODES / 2), NODES]) {
      const f = await load(apiTarget, tokens.slice(0, n), 'paced', SECONDS);
      const busyUs = (f.elu * f.seconds * 1e6) / Math.max(1, f.requests);
      console.log(`   ${String(n).padStart(7)} ${f.rps.toFixed(0).padStart(7)} ${f.p50.toFixed(2).padStart(9)} ${f.p99.toFixed(2).padStart(9)} ${`${(f.elu * 100).toFixed(0)}%`.padStart(11)} ${busyUs.toFixed(0).padStart(12)}`);
    }

    // every node's last heartbeat is in Redis, in its cluster's sorted set
    const redis = new Redis(infra.redisUrl);
    const store = new HeartbeatStore(redis);
    const scope = TenantScope.of(TENANT, { subject: 'system:bench', roles: ['admin'] });
    let seen = 0;
    for (const c of clusters) seen += (await store.lastSeen(scope, c)).size;
    const stale = await store.staleSince(scope, clusters[0] ?? '', 5000);
    console.log(`3) Redis: ${seen} of ${NODES} nodes have a last-seen time; ${stale.size} of cluster c0's nodes silent for over 5 s`);
    await redis.quit();

    await new Promise<void>((r) => bare.close(() => r()));
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
