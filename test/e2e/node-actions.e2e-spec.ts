import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { loadConfig } from '@haaas/config';
import { ClusterState, DEFAULT_TENANT_QUOTA, NodeStatus, RecoveryAction, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { hypervisorAdapters, ServiceRunner, ServiceStartError } from '@haaas/engine-runtime';
import { LiveSignalPublisher, OperationsService, ServiceWatch } from '@haaas/operations';
import { NODE_RESOURCE_DRIVER, NodeActionBroker, NodeActionsModule } from '@haaas/node-actions';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import type { NodeResourceDriver } from '@haaas/node-actions';
import { ManagementModule, NodeService, ResourceService, sealerOf, ServiceGroupService } from '@haaas/management';
import { PersistenceModule, Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { SecretBox } from '@haaas/secrets';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

const ROOT = join(__dirname, '..', '..');
const TENANT = 'node-actions-e2e';
const scope = TenantScope.of(TENANT, { subject: 'system:test', roles: ['admin'] });

async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(message());
}

/** The worker's side: the recovery module's ServiceRunner on the API's database and Redis. */
function workerModule(dbUrl: string, redisUrl: string): DynamicModule {
  const config = loadConfig({ NODE_ENV: 'test' });
  const sealer = sealerOf(new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId }));
  const adapters = hypervisorAdapters();
  return {
    module: WorkerSide,
    imports: [
      RedisModule.forRoot({ url: redisUrl }),
      PersistenceModule.forRoot({ url: dbUrl }),
      ManagementModule.forRoot({ defaultQuota: DEFAULT_TENANT_QUOTA, sealer, adapters }),
      NodeActionsModule.forRoot(),
      RecoveryModule.forRoot({ adapters, sealer, runWorkers: false }),
    ],
  };
}
@Module({})
class WorkerSide {}

/**
 * IP and APPLICATION resources carried out by a real node agent process through the real API
 * (long poll and results), Redis and MariaDB, started and stopped by the ServiceRunner as the
 * workers do. The agent's actions run in a network namespace of this test's own, so the host's
 * network is never touched.
 */
describe('node actions: ServiceRunner → Redis → API → node agent (real processes)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let runner: ServiceRunner;
  let store: Store;
  let redis: Redis;
  let broker: NodeActionBroker;
  let brokerRedis: Redis;
  let netns: ChildProcess;
  let agent: ChildProcess;
  const agentLog: string[] = [];
  let dir: string;
  let clusterId: string;
  let jwt: string;
  const nodes: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const gql = <T>(query: string, variables?: Record<string, unknown>) => api.ok<T>(jwt, query, variables);
  const inNamespace = (): string => spawnSync('nsenter', [`--net=/proc/${netns.pid}/ns/net`, 'ip', '-br', 'addr'], { encoding: 'utf8' }).stdout;
  const hostAddresses = (): string => spawnSync('ip', ['-br', 'addr'], { encoding: 'utf8' }).stdout;
  const post = (token: string | null, path: string, body: unknown) =>
    fetch(`${api.url}/v1/agent/actions/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  const addService = async (name: string, resources: { ip?: string; app?: { start: string; stop: string; monitor?: string } }, startTimeoutSeconds = 10): Promise<{ serviceId: string; resourceIds: string[] }> => {
    const ids: string[] = [];
    const rs = worker.get(ResourceService);
    if (resources.ip) ids.push((await rs.create(scope, { clusterId, name: `${name}-vip`, type: ResourceType.IP, ip: { address: resources.ip, prefixLength: 24, interface: 'lo' } })).id);
    if (resources.app) {
      const a = resources.app;
      ids.push((await rs.create(scope, { clusterId, name: `${name}-app`, type: ResourceType.APPLICATION, application: { startCommand: a.start, stopCommand: a.stop, monitorCommand: a.monitor ?? null } })).id);
    }
    const service = await worker.get(ServiceGroupService).create(scope, {
      clusterId,
      name,
      resources: ids,
      policy: { priority: 500, maxRelocations: 1, recoveryTimeObjectiveSeconds: null, antiAffinityGroup: null, failoverDomainId: null, recoveryAction: RecoveryAction.RELOCATE, startTimeoutSeconds, stopTimeoutSeconds: 10 },
    });
    return { serviceId: service.id, resourceIds: ids };
  };
  const events = async (serviceId: string, type: string) => (await store.repos.events.find(scope, { clusterId }, { id: 'ASC' })).filter((e) => e.serviceId === serviceId && e.type === type);

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test puts the agent\'s actions in a network namespace (unshare -n): run it as root');
    // a database of its own: other test files flush theirs
    const redisUrl = testRedisUrl(3);
    redis = new Redis(redisUrl);
    await redis.flushdb();
    brokerRedis = redis.duplicate();
    broker = new NodeActionBroker(brokerRedis);
    api = await startTestApi({ HAAAS_REDIS_URL: redisUrl });
    jwt = await api.token(TENANT, ['admin'], 'system:test');
    clusterId = (await gql<{ createCluster: { id: string } }>(`mutation { createCluster(input: { name: "actions", hypervisor: KVM }) { id } }`)).createCluster.id;
    for (const host of ['with-agent', 'no-agent', 'http']) {
      nodes[host] = (
        await gql<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
          i: { clusterId, hostname: `${host}.example.com`, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://${host}.example.com/system` }, capacity: { cpus: 8, memoryMb: 16384 } },
        })
      ).joinNode.id;
      tokens[host] = (await gql<{ issueNodeAgentToken: { token: string } }>(`mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }`, { n: nodes[host] })).issueNodeAgentToken.token;
    }
    worker = await NestFactory.createApplicationContext(workerModule(api.config.database.url, redisUrl), { logger: ['error', 'warn'] });
    await worker.init();
    runner = worker.get(ServiceRunner);
    store = worker.get(Store);

    dir = await mkdtemp(join(tmpdir(), 'node-actions-e2e-'));
    netns = spawn('unshare', ['--net', 'sleep', '3600'], { stdio: 'ignore' });
    await waitFor(
      () => {
        try {
          return readlinkSync(`/proc/${netns.pid}/ns/net`) !== readlinkSync('/proc/self/ns/net');
        } catch {
          return false;
        }
      },
      5000,
      () => 'unshare -n did not start',
    );
    spawnSync('nsenter', [`--net=/proc/${netns.pid}/ns/net`, 'ip', 'link', 'set', 'lo', 'up']);
    await writeFile(join(dir, 'token'), `${tokens['with-agent']}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'agent.json'), JSON.stringify({ apiUrl: api.url, tokenFile: join(dir, 'token'), actions: { netns: `/proc/${netns.pid}/ns/net`, types: ['IP', 'APPLICATION'], pollWaitSeconds: 5 } }));
    agent = spawn(process.execPath, [join(ROOT, 'tools', 'run.js'), join(ROOT, 'apps', 'agent', 'src', 'main.ts'), '--config', join(dir, 'agent.json')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stderr?.on('data', (d: Buffer) => agentLog.push(d.toString()));
    await waitFor(() => /first heartbeat delivered/.test(agentLog.join('')), 30_000, () => `the agent did not start:\n${agentLog.join('')}`);
  }, 300_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    netns?.kill('SIGKILL');
    await worker?.close();
    await api?.close();
    await broker?.close();
    await brokerRedis?.quit();
    await redis?.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts an IP and an application through the agent of the target node, in order, and stops them in reverse', async () => {
    const state = join(dir, 'web.state');
    const { serviceId, resourceIds } = await addService('web', { ip: '10.66.0.10', app: { start: `echo "running $HAAAS_RESOURCE_NAME" > ${state}`, stop: `rm -f ${state}`, monitor: `test -f ${state}` } });
    const started = await runner.withClaim(scope, serviceId, 'test', (claim) => runner.start(claim, nodes['with-agent'] as string, { reason: 'test' }));
    expect(started.resources).toEqual([
      expect.objectContaining({ type: ResourceType.IP, action: 'AGENT', outcome: 'DONE', exitCode: 0, detail: expect.stringMatching(/^added 10\.66\.0\.10\/24 on lo; /) }),
      expect.objectContaining({ type: ResourceType.APPLICATION, action: 'AGENT', outcome: 'DONE', exitCode: 0, detail: 'start command exited 0' }),
    ]);
    expect(inNamespace()).toContain('10.66.0.10/24');
    expect(hostAddresses()).not.toContain('10.66.0.10');
    expect(readFileSync(state, 'utf8')).toBe('running web-app\n');
    expect(await store.repos.services.get(scope, serviceId)).toMatchObject({ state: ServiceState.STARTED, currentNodeId: nodes['with-agent'] });
    const placed = await store.repos.resources.find(scope, { serviceId });
    expect(placed.map((r) => r.placedNodeId)).toEqual([nodes['with-agent'], nodes['with-agent']]);
    const logged = await events(serviceId, 'resource.started');
    expect(logged.map((e) => [e.objectId, (e.after as { action?: string }).action])).toEqual(resourceIds.map((id) => [id, 'AGENT']));
    expect(logged[0]?.message).toMatch(/^IP web-vip started on with-agent\.example\.com by its agent in \d+ ms: added 10\.66\.0\.10\/24 on lo/);

    await runner.withClaim(scope, serviceId, 'test', (claim) => runner.stop(claim, { reason: 'test' }));
    expect(inNamespace()).not.toContain('10.66.0.10');
    expect(existsSync(state)).toBe(false);
    expect(await store.repos.services.get(scope, serviceId)).toMatchObject({ state: ServiceState.STOPPED, currentNodeId: null });
    expect((await store.repos.resources.find(scope, { serviceId })).map((r) => r.placedNodeId)).toEqual([null, null]);
    const stopped = await events(serviceId, 'resource.stopped');
    // reverse order: the application first, then its address
    expect(stopped.map((e) => e.objectId)).toEqual([...resourceIds].reverse());
    expect(stopped.map((e) => (e.after as { outcome?: string }).outcome)).toEqual(['DONE', 'DONE']);
    expect(agentLog.join('')).toMatch(/start IP web-vip \(action [0-9a-f-]{36}\): DONE/);
  });

  it('fails the start with the exit code of a failing start command; a stop then undoes what was started before it', async () => {
    const { serviceId } = await addService('broken', { ip: '10.66.1.10', app: { start: 'echo "cannot bind port" >&2; exit 7', stop: 'true' } });
    const err = await runner.withClaim(scope, serviceId, 'test', (claim) => runner.start(claim, nodes['with-agent'] as string, { reason: 'test' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err).toMatchObject({ kind: 'RESOURCE_FAILED', retryable: false, exitCode: 7 });
    expect((err as Error).message).toMatch(/^start of APPLICATION broken-app on with-agent\.example\.com failed \(exit code 7\): start command: exit code 7: cannot bind port/);
    const [failed] = await events(serviceId, 'service.start_failed');
    expect(failed?.after).toMatchObject({ kind: 'RESOURCE_FAILED', exitCode: 7 });
    // the address came up before the application failed, and stays placed there until stopped
    expect(inNamespace()).toContain('10.66.1.10/24');
    await runner.withClaim(scope, serviceId, 'test', (claim) => runner.stop(claim, { reason: 'test: clean up' }));
    expect(inNamespace()).not.toContain('10.66.1.10');
  });

  it('fails the start with a retryable TARGET_UNREACHABLE when the node has no agent answering, and never runs the action later', async () => {
    const { serviceId } = await addService('orphan', { ip: '10.66.2.10' }, 2);
    const err = await runner.withClaim(scope, serviceId, 'test', (claim) => runner.start(claim, nodes['no-agent'] as string, { reason: 'test' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err).toMatchObject({ kind: 'TARGET_UNREACHABLE', retryable: true });
    expect((err as Error).message).toMatch(/the node agent of no-agent\.example\.com did not take the start of IP orphan-vip within 2 s/);
    // an agent of that node coming back later finds nothing: the expired action was dropped
    const next = await post(tokens['no-agent'] as string, 'next', { waitSeconds: 0 });
    expect(await next.json()).toEqual({ action: null });
  });

  it('has the service watch notice an application that stopped on its node (its monitor fails) and ask for a restart in place', async () => {
    const state = join(dir, 'api.state');
    const { serviceId } = await addService('api', { app: { start: `touch ${state}`, stop: `rm -f ${state}`, monitor: `test -f ${state}` } });
    await runner.withClaim(scope, serviceId, 'test', (claim) => runner.start(claim, nodes['with-agent'] as string, { reason: 'test' }));
    // HA active and the node ONLINE (as the detector would have them); the policy restarts in place
    await store.transaction(async (repos) => {
      await repos.clusters.update(scope, clusterId, { state: ClusterState.STARTED });
      await repos.nodes.update(scope, nodes['with-agent'] as string, { status: NodeStatus.ONLINE, statusChangedAt: new Date() });
      await repos.services.update(scope, serviceId, { recoveryAction: RecoveryAction.RESTART });
    });
    const opsRedis = redis.duplicate();
    try {
      const operations = new OperationsService(store, new JobProducer(opsRedis), new LiveSignalPublisher(opsRedis));
      const watch = new ServiceWatch(store, operations, worker.get(NodeService), hypervisorAdapters(), { listDeadlineMs: 5000 }, worker.get<NodeResourceDriver>(NODE_RESOURCE_DRIVER));
      // healthy: the agent's monitor command passes
      expect(await watch.runOnce()).toMatchObject({ services: 1, suspected: 0, acted: 0 });
      rmSync(state); // the application dies behind HAaaS's back
      expect(await watch.runOnce()).toMatchObject({ suspected: 1, acted: 0 });
      expect(await watch.runOnce()).toMatchObject({ acted: 1 });
      const ops = await store.repos.operations.find(scope, { targetId: serviceId });
      expect(ops.map((o) => [o.kind, o.requestedBy])).toEqual([['SERVICE_RESTART', 'system:service-watch']]);
      const [detected] = await events(serviceId, 'service.failure_detected');
      expect(detected?.after).toMatchObject({ down: ['api-app'], decision: 'RESTART' });
    } finally {
      opsRedis.disconnect();
      await store.repos.clusters.update(scope, clusterId, { state: ClusterState.STOPPED });
      await runner.withClaim(scope, serviceId, 'test', (claim) => runner.stop(claim, { reason: 'test: clean up' }));
    }
  });

  describe('the endpoints', () => {
    it('answer 401 to a missing or wrong token and 400 with every bad field', async () => {
      for (const t of [null, 'hna_nope', jwt]) expect((await post(t, 'next', {})).status).toBe(401);
      const bad = await post(tokens['http'] as string, 'next', { waitSeconds: 99 });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'waitSeconds' }] });
      const result = await post(tokens['http'] as string, '00000000-0000-4000-8000-000000000000/result', { ok: 'yes', outcome: 'MAYBE', exitCode: 1.5, detail: '', latencyMs: -1 });
      expect(result.status).toBe(400);
      expect(((await result.json()) as { problems: { field: string }[] }).problems.map((p) => p.field)).toEqual(['ok', 'outcome', 'exitCode', 'detail', 'latencyMs']);
    });

    it('hand an action to its node only, take its result once (a repeat is DUPLICATE) and refuse results of unknown actions', async () => {
      const dispatched = broker.dispatch({ tenantId: TENANT, nodeId: nodes['http'] as string }, { kind: 'monitor', resource: { id: 'r1', name: 'probe', type: ResourceType.IP, spec: { address: '10.0.0.1' } } }, 10_000);
      // another node's token sees nothing of it
      expect(await (await post(tokens['no-agent'] as string, 'next', { waitSeconds: 1 })).json()).toEqual({ action: null });
      const taken = (await (await post(tokens['http'] as string, 'next', { waitSeconds: 5 })).json()) as { action: { id: string; kind: string; timeoutMs: number } };
      expect(taken.action).toMatchObject({ kind: 'monitor', resource: { name: 'probe', type: 'IP' } });
      expect(taken.action.timeoutMs).toBeGreaterThan(0);
      expect(taken.action.timeoutMs).toBeLessThanOrEqual(10_000);
      const body = { ok: true, outcome: 'DONE', exitCode: null, detail: '10.0.0.1 is on eth0', latencyMs: 3 };
      expect((await post(tokens['no-agent'] as string, `${taken.action.id}/result`, body)).status).toBe(404);
      const first = await post(tokens['http'] as string, `${taken.action.id}/result`, body);
      expect(await first.json()).toEqual({ status: 'RECORDED' });
      const again = await post(tokens['http'] as string, `${taken.action.id}/result`, { ...body, detail: 'changed my mind' });
      expect(await again.json()).toEqual({ status: 'DUPLICATE' });
      expect(await dispatched).toMatchObject({ result: body });
      expect((await post(tokens['http'] as string, 'not-a-uuid/result', body)).status).toBe(404);
    });
  });
});
