/**
 * The engine of `npm run bench failover` (bench/failover.bench.ts): one scenario's failover, end to
 * end through the real pieces in this process (heartbeats in Redis, the failure detector, incidents
 * in MySQL, BullMQ recovery jobs, fencing, the service runner), its figures, the baseline loop of
 * the same starts, and the report of both.
 */
import { randomBytes } from 'node:crypto';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@haaas/config';
import { ClusterState, HeartbeatSource, IncidentState, NodeKind, NodeStatus, RecoveryAction, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { DetectorModule } from '@haaas/detector';
import { HeartbeatsModule, HeartbeatStore } from '@haaas/heartbeats';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import { NodeActionsModule } from '@haaas/node-actions';
import { ServiceRunner } from '@haaas/engine-runtime';
import { canWatchHosts, type HypervisorAdapter, type HypervisorEndpoint, type HypervisorHost, PooledAdapter } from '@haaas/hypervisor';
import { ClusterService, FencingDeviceService, type HypervisorAdapters, ManagementModule, NodeService, ResourceService, sealerOf, ServiceGroupService } from '@haaas/management';
import { PersistenceModule, queryCounter, Store } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { pool } from './pool';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TERMINAL: readonly string[] = [IncidentState.RECOVERED, IncidentState.PARTIALLY_RECOVERED, IncidentState.FAILED, IncidentState.CANCELLED, IncidentState.AWAITING_OPERATOR];

interface StartCall {
  readonly ref: string;
  readonly at: number;
}

/** The adapter, with every startVm call's time recorded while `on` (the figures' end point). */
function recording(inner: HypervisorAdapter): { adapter: HypervisorAdapter; starts: StartCall[]; on: { value: boolean } } {
  const starts: StartCall[] = [];
  const on = { value: false };
  const adapter: HypervisorAdapter & { watchHosts?: unknown } = {
    hypervisor: inner.hypervisor,
    // the manager heartbeat channel (vSphere) passes through unrecorded
    ...(canWatchHosts(inner) ? { watchHosts: (endpoint: HypervisorEndpoint) => inner.watchHosts(endpoint) } : {}),
    connect(endpoint) {
      const host = inner.connect(endpoint);
      const wrapped: HypervisorHost = Object.create(host) as HypervisorHost;
      return Object.assign(wrapped, {
        startVm: async (ref: string, o: { signal: AbortSignal }) => {
          if (on.value) starts.push({ ref, at: Date.now() });
          await host.startVm(ref, o);
        },
      });
    },
  };
  return { adapter, starts, on };
}

/** The worker's modules (as libs/worker-server wires them) with the bench's adapters and fast timings. */
function workerModule(dbUrl: string, redisUrl: string, adapters: HypervisorAdapters, keyPrefix: string): DynamicModule {
  const config = loadConfig({ NODE_ENV: 'test' });
  const sealer = sealerOf(new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId }));
  @Module({})
  class FailoverBenchModule {}
  return {
    module: FailoverBenchModule,
    imports: [
      RedisModule.forRoot({ url: redisUrl }),
      PersistenceModule.forRoot({ url: dbUrl, poolSize: 24, logSql: process.env.BENCH_LOG_SQL === '1' }),
      ManagementModule.forRoot({ defaultQuota: { maxClusters: 10, maxNodes: 100, maxResources: 5000, maxServices: 5000 }, sealer, adapters }),
      HeartbeatsModule.forRoot(),
      NodeActionsModule.forRoot(),
      RecoveryModule.forRoot({ adapters, sealer, concurrency: 16, workerTag: keyPrefix }),
      DetectorModule.forRoot({
        adapters,
        keyPrefix,
        tickMs: 100, leaseMs: 1500, renewEveryMs: 400,
        inventoryTtlMs: 500, clusterListTtlMs: 500,
        reconcileEveryTicks: 20,
        detection: { reprobeSeconds: 1, bootGraceSeconds: 60 },
      }),
    ],
  };
}

/** A node of the scenario: its name, and where its hypervisor is (a vCenter names the host too). */
export interface BenchNode {
  readonly name: string;
  readonly uri: string;
  /** The node's hostname (default `<name>.bench`); for vSphere, the host's name in vCenter. */
  readonly hostname?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface Scenario {
  readonly title: string;
  readonly tenant: string;
  readonly vms: number;
  readonly adapter: HypervisorAdapter;
  /** AGENT (default): the bench beats for every node as agents would; MANAGER: the detector's manager feed does. */
  readonly heartbeatSource?: HeartbeatSource;
  readonly failed: BenchNode;
  readonly survivors: readonly BenchNode[];
  readonly capacity: { readonly cpus: number; readonly memoryMb: number };
  readonly fencingRequired: boolean;
  readonly fence: { readonly agent: string; readonly options: Record<string, string>; readonly secretOptions: Record<string, string> } | null;
  /** Defines VM `ref` (stopped) on the failed host. */
  define(ref: string): Promise<void>;
  /** The i-th service's VM ref (default `vm0000`...). */
  refOf?(i: number): string;
  /** The failed host dies (its hypervisor stops answering). */
  crash(): Promise<void>;
}

export interface Figures {
  readonly starts: number;
  readonly fromLastBeatMs: number;
  readonly fromDeclaredMs: number;
  readonly declaredAfterBeatMs: number;
  /** Declared → fenced (incident.fencedAt; NaN when recovery went on unfenced). */
  readonly fencingMs: number;
  /** Declared → first start command. */
  readonly firstStartMs: number;
  readonly startsPerSecond: number;
  readonly state: string;
  /** SQL statements this process ran from the crash to the end of recovery (the bench's own polling included). */
  readonly statements: number;
}

export async function failover(dbUrl: string, redisUrl: string, s: Scenario): Promise<Figures> {
  const rec = recording(s.adapter);
  // pooled as hypervisorAdapters() pools them in the worker: connections kept between steps
  const pooled = new PooledAdapter(rec.adapter);
  const adapters: HypervisorAdapters = new Map([[s.adapter.hypervisor, pooled]]);
  const source = s.heartbeatSource ?? HeartbeatSource.AGENT;
  const app: INestApplicationContext = await NestFactory.createApplicationContext(workerModule(dbUrl, redisUrl, adapters, `bench${randomBytes(3).toString('hex')}`), {
    logger: ['error', 'warn'],
  });
  await app.init();
  let pump: NodeJS.Timeout | null = null;
  try {
    const scope = TenantScope.of(s.tenant, { subject: 'bench@example.com', roles: ['admin'] });
    const store = app.get(Store);
    const runner = app.get(ServiceRunner);
    const heartbeats = app.get(HeartbeatStore);
    const cluster = await app.get(ClusterService).create(scope, {
      name: `fo${randomBytes(3).toString('hex')}`,
      hypervisor: s.adapter.hypervisor,
      heartbeatSource: source,
      policy: { heartbeatIntervalSeconds: 1, deadtimeSeconds: 2, minHealthyNodes: 1, fencingRequired: s.fencingRequired },
    });
    const ids = new Map<string, string>();
    for (const n of [s.failed, ...s.survivors]) {
      const endpoint = { uri: n.uri, ...(n.username ? { username: n.username, password: n.password } : {}) };
      const node = await app.get(NodeService).join(scope, { clusterId: cluster.id, hostname: n.hostname ?? `${n.name}.bench`, kind: NodeKind.PHYSICAL, endpoint, capacity: s.capacity });
      ids.set(n.name, node.id);
    }
    const failedId = ids.get(s.failed.name) ?? '';
    await store.transaction(async (repos) => {
      for (const id of ids.values()) {
        const n = await repos.nodes.lock(scope, id);
        n.status = NodeStatus.ONLINE;
        await repos.nodes.save(scope, n);
      }
    });
    if (s.fence) {
      const devices = app.get(FencingDeviceService);
      const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
      const device = await devices.add(scope, { clusterId: cluster.id, name: 'fence-failed', agent: s.fence.agent, options: kv(s.fence.options), secretOptions: kv(s.fence.secretOptions) });
      await devices.associate(scope, { deviceId: device.id, nodeId: failedId, level: 1 });
    }

    // set-up, not measured: every service started on the failed host through the real runner
    const setupStarted = performance.now();
    await pool(s.vms, 16, async (i) => {
      const ref = s.refOf ? s.refOf(i) : `vm${String(i).padStart(4, '0')}`;
      await s.define(ref);
      const r = await app.get(ResourceService).create(scope, { clusterId: cluster.id, name: `r-${ref}`, type: ResourceType.VM, vm: { hypervisorRef: ref } });
      const service = await app.get(ServiceGroupService).create(scope, {
        clusterId: cluster.id,
        name: `svc-${ref}`,
        resources: [r.id],
        // four priorities: recovery starts them in priority order
        policy: { priority: 100 * (1 + (i % 4)), maxRelocations: 3, recoveryAction: RecoveryAction.RELOCATE, startTimeoutSeconds: 30, stopTimeoutSeconds: 5 },
      });
      await runner.withClaim(scope, service.id, 'bench', (claim) => runner.start(claim, failedId, { reason: 'bench: initial start' }));
    });
    const onFailed = await store.repos.services.find(scope, { clusterId: cluster.id, currentNodeId: failedId, state: ServiceState.STARTED });
    if (onFailed.length !== s.vms) throw new Error(`set-up: ${onFailed.length} of ${s.vms} services are STARTED on ${s.failed.name}`);
    console.log(`   set-up: ${s.vms} services started on ${s.failed.name} in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

    // every node beats (each 300 ms, as an eager agent with a 1 s interval) until the failure; with
    // the MANAGER source, the detector's vCenter watch beats for them and nothing is pumped here
    const beating = new Set(source === HeartbeatSource.MANAGER ? [] : ids.values());
    let lastBeatOfFailed = 0;
    const beatAll = async (): Promise<void> => {
      await Promise.all(
        [...beating].map(async (nodeId) => {
          await heartbeats.record(
            { tenantId: s.tenant, clusterId: cluster.id, nodeId },
            { sentAt: Date.now(), bootTime: 1_700_000_000_000, agentVersion: 'bench', checks: { storage: { ok: true }, isolationAddress: { ok: true, address: '192.0.2.1' } } },
          );
          if (nodeId === failedId) lastBeatOfFailed = Date.now();
        }),
      );
    };
    if (beating.size > 0) {
      await beatAll();
      pump = setInterval(() => void beatAll().catch(() => undefined), 300);
    }
    await store.transaction(async (repos) => {
      const c = await repos.clusters.lock(scope, cluster.id);
      c.state = ClusterState.STARTED;
      await repos.clusters.save(scope, c);
    });
    await sleep(2500); // the detector watches the cluster, every node healthy

    rec.on.value = true;
    beating.delete(failedId);
    await sleep(350); // a beat in flight lands before the host dies
    const statementsBefore = queryCounter.total;
    // the manager's last word on the host is the moment it loses it
    if (source === HeartbeatSource.MANAGER) lastBeatOfFailed = Date.now();
    await s.crash();

    const until = Date.now() + 600_000;
    let incident = (await store.repos.incidents.find(scope, { nodeId: failedId }))[0];
    let progressAt = Date.now() + 30_000;
    while (!incident || !TERMINAL.includes(incident.state)) {
      if (Date.now() > until) throw new Error(`no recovery after 600 s (incident ${incident?.state ?? 'none'}, ${rec.starts.length} starts)`);
      if (Date.now() > progressAt) {
        progressAt += 30_000;
        console.log(`   ... incident ${incident?.state ?? 'not yet declared'}, ${rec.starts.length} starts so far`);
      }
      await sleep(50);
      incident = (await store.repos.incidents.find(scope, { nodeId: failedId }))[0];
    }
    const statements = queryCounter.total - statementsBefore;
    const last = Math.max(...rec.starts.map((c) => c.at));
    const first = Math.min(...rec.starts.map((c) => c.at));
    const declared = incident.declaredAt?.getTime() ?? NaN;
    return {
      starts: new Set(rec.starts.map((c) => c.ref)).size,
      fromLastBeatMs: last - lastBeatOfFailed,
      fromDeclaredMs: last - declared,
      declaredAfterBeatMs: declared - lastBeatOfFailed,
      fencingMs: (incident.fencedAt?.getTime() ?? NaN) - declared,
      firstStartMs: first - declared,
      startsPerSecond: rec.starts.length / (Math.max(1, last - first) / 1000),
      state: incident.state,
      statements,
    };
  } finally {
    if (pump) clearInterval(pump);
    await app.close();
    await pooled.close();
  }
}

/** The same starts, made directly against the adapter in a tight loop. */
export async function baseline(host: HypervisorHost, refs: readonly string[]): Promise<number> {
  const t0 = performance.now();
  for (const ref of refs) await host.startVm(ref, { signal: AbortSignal.timeout(30_000) });
  return performance.now() - t0;
}

export function report(f: Figures, vms: number, baselineMs: number, lastBeat = 'last heartbeat'): void {
  console.log(`   incident ${f.state}; ${f.starts}/${vms} VMs started on survivors`);
  console.log(`   ${lastBeat} → declared failed: ${f.declaredAfterBeatMs.toFixed(0)} ms (policy: interval 1 s, deadtime 2 s)`);
  console.log(`   declared → fenced: ${f.fencingMs.toFixed(0)} ms; declared → first start: ${f.firstStartMs.toFixed(0)} ms`);
  console.log(`   ${lastBeat} → last start:      ${f.fromLastBeatMs.toFixed(0)} ms`);
  console.log(`   declared failed → last start:     ${f.fromDeclaredMs.toFixed(0)} ms   (${f.startsPerSecond.toFixed(0)} starts/s between first and last start)`);
  console.log(`   baseline, ${vms} startVm in a loop: ${baselineMs.toFixed(1)} ms   (${((vms / baselineMs) * 1000).toFixed(0)} starts/s)`);
  console.log(`   ratio (declared → last start) / baseline: ${(f.fromDeclaredMs / baselineMs).toFixed(1)}x`);
  console.log(`   SQL statements from the crash to the end of recovery: ${f.statements} (${(f.statements / vms).toFixed(1)} per VM)`);
}
