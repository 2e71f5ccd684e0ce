/**
 * `npm run bench sdk-client`: two figures of the TypeScript SDK, each against a baseline measured
 * in the same run, over real HTTP to a GraphQL endpoint on loopback that answers from a script
 * (so an operation ends exactly when the bench says, and the server's own time is the same for
 * every client):
 *
 * 1. waitForOperation: how long after an operation ends the caller learns it, for operations of
 *    25 ms to 6 s: by default (one look, then the `operationUpdated` subscription over graphql-ws,
 *    served by a scripted graphql-transport-ws server on the same port) and with `live: false`
 *    (polling with a growing interval); baseline: the SDK's former fixed 1 s polling (a get, then
 *    sleep 1 s, repeated).
 * 2. per-call overhead: `client.clusters.get()` against a raw `fetch` POST of the same request.
 *
 * Prints figures; asserts nothing about time. Environment: BENCH_SAMPLES (default 6 per duration,
 * 300 calls for the overhead).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';

// the shipped code (sdk/dist/cjs, built now unless up to date), not the sources
const SDK_DIR = join(__dirname, '..', 'sdk');
const built = spawnSync(process.execPath, [join(SDK_DIR, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
// the built CommonJS copy, typed by the sources
const { GetClusterDocument, HaaasClient, isOperationFinished } = require(join(SDK_DIR, 'dist', 'cjs', 'index.js')) as typeof import('@haaas/sdk');

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 6);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const DURATIONS_MS = [25, 100, 400, 1500, 3000];

const CLUSTER = { id: 'c1', name: 'east', description: null, hypervisor: 'KVM', state: 'STOPPED', attributes: [], policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: 10, fencingRequired: true, minHealthyNodes: 2 }, status: { state: 'STOPPED', quorate: false, quorum: 1, totalNodes: 0, healthyNodes: 0, nodesByStatus: [] }, createdAt: 'x', updatedAt: 'x' };

/** Operations that end at a set time: id → end (performance.now()). */
const endsAt = new Map<string, number>();

function operation(id: string): Record<string, unknown> {
  const end = endsAt.get(id) ?? 0;
  const done = performance.now() >= end;
  return { id, kind: 'CLUSTER_START', state: done ? 'SUCCEEDED' : 'RUNNING', progress: done ? 100 : 50, target: { type: 'CLUSTER', id: 'c1' }, clusterId: 'c1', targetNodeId: null, steps: [], error: null, attempts: 1, requestedBy: 'bench', createdAt: 't0', startedAt: 't0', finishedAt: done ? 't1' : null, updatedAt: done ? 't1' : 't0' };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const { operationName, variables } = JSON.parse(body) as { operationName?: string; variables: { id: string } };
  const data = operationName === 'GetOperation' ? { operation: operation(variables.id) } : { cluster: CLUSTER };
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'bench' }).end(JSON.stringify({ data }));
}

/**
 * graphql-transport-ws for `operationUpdated`, as the API does it: the operation now, then its
 * final state the moment it ends, then complete.
 */
function serveSubscriptions(wss: WebSocketServer): void {
  wss.on('connection', (socket) => {
    const timers: NodeJS.Timeout[] = [];
    socket.on('close', () => timers.forEach(clearTimeout));
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { id?: string; type: string; payload?: { variables?: { id: string } } };
      if (msg.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
      if (msg.type !== 'subscribe' || !msg.id) return;
      const { id: subscription } = msg;
      const opId = msg.payload?.variables?.id ?? '';
      const send = (): void => socket.send(JSON.stringify({ id: subscription, type: 'next', payload: { data: { operationUpdated: operation(opId) } } }));
      send();
      timers.push(
        setTimeout(() => {
          send();
          socket.send(JSON.stringify({ id: subscription, type: 'complete' }));
        }, Math.max(0, (endsAt.get(opId) ?? 0) - performance.now())),
      );
    });
  });
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `mean ${mean.toFixed(1)} ms, p50 ${at(0.5).toFixed(1)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const wss = new WebSocketServer({ server, path: '/graphql' });
  serveSubscriptions(wss);
  const client = new HaaasClient({ url, token: 'bench', webSocketImpl: WebSocket });
  try {
    // warm both ways up (graphql-ws loaded, the JIT), untimed
    for (const live of [true, false]) {
      endsAt.set(`warm-${String(live)}`, performance.now() + 30);
      await client.waitForOperation(`warm-${String(live)}`, { live });
    }
    console.log('waitForOperation: delay between an operation ending and the caller learning it');
    let n = 0;
    for (const duration of DURATIONS_MS) {
      const live: number[] = [];
      const poll: number[] = [];
      const fixed: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        for (const [mode, out] of [
          ['live', live],
          ['poll', poll],
          ['fixed', fixed],
        ] as const) {
          const id = `op${n++}`;
          // a random length in [duration, 2 x duration): ends fall anywhere between two polls
          endsAt.set(id, performance.now() + duration * (1 + Math.random()));
          if (mode === 'live') {
            await client.waitForOperation(id);
          } else if (mode === 'poll') {
            await client.waitForOperation(id, { live: false });
          } else {
            // the former algorithm: look, then sleep a full second, until it has ended
            while (!isOperationFinished(await client.operations.get(id))) await new Promise((r) => setTimeout(r, 1000));
          }
          out.push(performance.now() - (endsAt.get(id) ?? 0));
        }
      }
      const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
      console.log(`  ${String(duration).padStart(5)}-${2 * duration} ms operation:`);
      console.log(`      default (live)      ${stats(live)} | ${(mean(fixed) / mean(live)).toFixed(1)}x sooner than fixed 1 s polling`);
      console.log(`      live: false (poll)  ${stats(poll)} | ${(mean(fixed) / mean(poll)).toFixed(1)}x sooner`);
      console.log(`      fixed 1 s polling   ${stats(fixed)}`);
    }
    console.log('  (live: the end is pushed as written; polling: past a few seconds both poll once a second)');

    console.log(`per-call time, ${CALLS} sequential calls each, same server`);
    const body = JSON.stringify({ query: GetClusterDocument.toString(), variables: { id: 'c1' }, operationName: 'GetCluster' });
    const raw = async (): Promise<void> => {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body });
      JSON.parse(await r.text());
    };
    const viaSdk = async (): Promise<void> => void (await client.clusters.get('c1'));
    const time = async (fn: () => Promise<void>): Promise<number> => {
      const start = performance.now();
      for (let i = 0; i < CALLS; i++) await fn();
      return (performance.now() - start) / CALLS;
    };
    // warm both paths up (connection pool, JIT), then alternate rounds so drift hits both alike
    await time(raw);
    await time(viaSdk);
    const rawMs: number[] = [];
    const sdkMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      rawMs.push(await time(raw));
      sdkMs.push(await time(viaSdk));
    }
    const best = (a: number[]): number => Math.min(...a);
    console.log(`  raw fetch ${best(rawMs).toFixed(3)} ms/call, client.clusters.get ${best(sdkMs).toFixed(3)} ms/call (best of 3 rounds): SDK overhead ${(best(sdkMs) - best(rawMs)).toFixed(3)} ms/call, ${(best(sdkMs) / best(rawMs)).toFixed(2)}x raw`);
  } finally {
    await client.close();
    wss.close();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
