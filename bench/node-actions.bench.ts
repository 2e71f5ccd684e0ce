/**
 * `node tools/run.js bench/node-actions.bench.ts` (or `npm run bench node-actions`): what thousands
 * of node agents long-polling one API process cost it, and how fast an action gets from a worker
 * to an agent and its result back.
 *
 *  - The real API (Nest, the agent-token check, NodeActionBroker) on a real MariaDB and Redis, N
 *    simulated agents (default 2000) each with its own node and token, joined and issued through
 *    GraphQL.
 *  - The agents run in worker threads: each holds one long poll open (`POST /v1/agent/actions/next`,
 *    waitSeconds 25, keep-alive) and, given an action, reports a result at once and polls again.
 *  - Phase 1, idle: every agent waiting, for one poll period (26 s); the API's event loop, its
 *    memory and its Redis connections.
 *  - Phase 2, actions: M actions (default 1000) dispatched to random nodes, C at a time (default
 *    50), each waited for as the ServiceRunner does (NodeActionBroker.dispatch, in this process:
 *    the same event loop as the API, so a conservative figure): round trip p50/p99, rate.
 * Prints figures; it asserts nothing about time. Environment: BENCH_NODES, BENCH_ACTIONS,
 * BENCH_CONCURRENCY, BENCH_WORKERS.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Redis from 'ioredis';
import { startLocalInfra } from '@haaas/devstack';
import { ResourceType } from '@haaas/domain';
import { NodeActionBroker } from '@haaas/node-actions';
import { startAgentFleet } from './support/agent-fleet';
import { pool } from './support/pool';

const NODES = Number(process.env.BENCH_NODES ?? 2000);
const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WORKERS = Number(process.env.BENCH_WORKERS ?? Math.max(1, availableParallelism() - 1));
const NODES_PER_CLUSTER = 100;
const TENANT = 'bench';

/** Simulated agents, plain JavaScript for worker threads: one long poll per token, results at once. */
const AGENTS = String.raw`
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { port, tokens } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: tokens.length * 2 });
let stopping = false, polls = 0, actions = 0, errors = 0;
function post(token, path, body) {
  return new Promise((resolve) => {
    const text = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), authorization: 'Bearer ' + token } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => { try { resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }); } catch { resolve({ status: res.statusCode, body: {} }); } });
    });
    req.on('error', () => { errors++; resolve({ status: 0, body: {} }); });
    req.end(text);
  });
}
async function run(token) {
  while (!stopping) {
    polls++;
    const r = await post(token, '/v1/agent/actions/next', { waitSeconds: 25 });
    if (r.status !== 200) { errors++; await new Promise((res) => setTimeout(res, 500)); continue; }
    const a = r.body.action;
    if (!a) continue;
    actions++;
    const done = await post(token, '/v1/agent/actions/' + a.id + '/result', { ok: true, outcome: 'DONE', exitCode: 0, detail: 'bench', latencyMs: 0 });
    if (done.status !== 200) errors++;
  }
}
parentPort.on('message', () => { stopping = true; parentPort.postMessage({ polls, actions, errors }); agent.destroy(); process.exit(0); });
for (const t of tokens) run(t);
parentPort.postMessage('started');
`;

/** Connections Redis has open (CLIENT LIST, one line each). */
async function redisClients(redis: Redis): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list.trim().split('\n').length;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-'));
  const infra = await startLocalInfra({ dataDir: dir });
  const workers: Worker[] = [];
  try {
    console.log('HAaaS node actions benchmark');
    const fleet = await startAgentFleet(infra, { nodes: NODES, perCluster: NODES_PER_CLUSTER, tenant: TENANT, dbPrefix: 'haaas_bench_na' });
    const { app, apiPort, clusters, nodes } = fleet;
    console.log(`   ${NODES} nodes in ${clusters.length} clusters, each with its own token (joined and issued in ${fleet.seedSeconds.toFixed(1)} s); agents in ${WORKERS} worker thread(s); ${availableParallelism()} CPUs`);

    const redis = new Redis(infra.redisUrl);
    const clientsBefore = await redisClients(redis);
    for (let w = 0; w < WORKERS; w++) {
      const worker = new Worker(AGENTS, { eval: true, workerData: { port: apiPort, tokens: nodes.filter((_n, i) => i % WORKERS === w).map((n) => n.token) } });
      await new Promise((resolve) => worker.once('message', resolve));
      workers.push(worker);
    }
    // every agent's first poll has reached the API and waits
    await new Promise((r) => setTimeout(r, 3000));

    // one whole poll period, so every agent renews its poll once in the window
    const elu0 = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, 26_000));
    const idle = performance.eventLoopUtilization(elu0).utilization;
    const clientsIdle = await redisClients(redis);
    console.log(`1) ${NODES} agents waiting in a long poll each`);
    console.log(`   API event loop busy ${(idle * 100).toFixed(1)}% (polls renewed every 25 s: ${(NODES / 25).toFixed(0)} requests/s)`);
    const sockets = await new Promise<number>((resolve) => (app.getHttpServer() as import('node:http').Server).getConnections((_e, n) => resolve(n)));
    console.log(`   ${sockets} open HTTP connections on the API; Redis connections ${clientsBefore} -> ${clientsIdle} (the API's node-actions connection and its subscriber, not one per agent)`);

    const brokerRedis = new Redis(infra.redisUrl);
    const broker = new NodeActionBroker(brokerRedis);
    const latencies: number[] = [];
    let missing = 0;
    const elu1 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await pool(ACTIONS, CONCURRENCY, async (i) => {
      const node = nodes[Math.floor(Math.random() * nodes.length)] ?? nodes[0];
      if (!node) return;
      const r = await broker.dispatch({ tenantId: TENANT, nodeId: node.nodeId }, { kind: 'start', resource: { id: `r${i}`, name: `app-${i}`, type: ResourceType.APPLICATION, spec: { startCommand: 'true', stopCommand: 'true' } } }, 10_000);
      if (r.result) latencies.push(r.roundTripMs);
      else missing++;
    });
    const seconds = (performance.now() - t0) / 1000;
    const busy = performance.eventLoopUtilization(elu1).utilization;
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    console.log(`2) ${ACTIONS} actions to random nodes, ${CONCURRENCY} at a time (dispatched from the API's process)`);
    console.log(`   ${(latencies.length / seconds).toFixed(0)} actions/s; round trip worker -> Redis -> API -> agent -> API -> Redis -> worker p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; ${missing} without a result; event loop busy ${(busy * 100).toFixed(0)}%`);

    const counts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ polls: number; actions: number; errors: number }>((resolve) => {
            w.once('message', resolve);
            w.postMessage('stop');
          }),
      ),
    );
    const total = counts.reduce((a, c) => ({ polls: a.polls + c.polls, actions: a.actions + c.actions, errors: a.errors + c.errors }), { polls: 0, actions: 0, errors: 0 });
    console.log(`3) agents: ${total.polls} polls, ${total.actions} actions carried out, ${total.errors} errors`);
    await broker.close();
    await brokerRedis.quit();
    await redis.quit();
    await app.close();
  } finally {
    for (const w of workers) await w.terminate();
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
