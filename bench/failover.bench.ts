/**
 * `npm run bench failover`: how long the control plane takes to fail over a host, end to end
 * through the real pieces in this process (heartbeats in Redis, the failure detector, incidents in
 * MySQL, BullMQ recovery jobs, fencing, the service runner), next to a baseline measured in the
 * same run so the figures read as ratios on any machine.
 *  1. A host carrying 1,000 HA VMs (1,000 services) on a zero-latency in-memory hypervisor, 10
 *     surviving hosts, fenced with the built-in `builtin:libvirt` device served by the same
 *     in-memory adapter. Baseline: the same 1,000 startVm calls in a tight loop.
 *  2. 50 VMs on libvirt test-driver hosts: the failed host is a simulated host whose libvirtd is
 *     killed, fenced for real through its IPMI BMC (ipmi_sim, fence_ipmilan). Baseline: 50 startVm
 *     calls of the KVM adapter in a loop on a live host.
 *  3. Worker takeover (bench/support/worker-takeover.ts): two recovery workers in child processes,
 *     one SIGKILLed while it holds services of a 200-service recovery (libvirt, IPMI fence); time
 *     from the kill to the first start of one of its services by the other worker, with the
 *     current timings and, as the baseline, the previous ones.
 *  4. 50 VMs on vcsim (vSphere), no agents (heartbeat source MANAGER: vCenter's host watch writes
 *     the heartbeats): the failed ESXi host is disconnected in vCenter, fenced through its IPMI BMC,
 *     its VMs registered from their .vmx on the two survivors and powered on. Baseline: 50 startVm
 *     calls of the vSphere adapter in a loop on a live host of the same vcsim.
 * Figures: last heartbeat of the failed node (for MANAGER: the moment vCenter lost the host) → last
 * start command; incident declared → last start; starts per second. Prints figures; it asserts
 * nothing about time.
 * `npm run bench failover -- memory|libvirt|takeover|vsphere` runs one part.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { VsphereAdapter } from '@haaas/adapter-vsphere';
import { loadConfig } from '@haaas/config';
import { startVsphereLab } from '@haaas/demo';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { ClusterState, HeartbeatSource, IncidentState, NodeKind, NodeStatus, RecoveryAction, ResourceType, ServiceState, TenantScope } from '@haaas/domain';
import { DetectorModule } from '@haaas/detector';
import { HeartbeatsModule, HeartbeatStore } from '@haaas/heartbeats';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import { NodeActionsModule } from '@haaas/node-actions';
import { ServiceRunner } from '@haaas/engine-runtime';
import { startSimulatedHost } from '@haaas/fencing/testing';
import { canWatchHosts, type HypervisorAdapter, type HypervisorEndpoint, type HypervisorHost, PooledAdapter } from '@haaas/hypervisor';
import { ClusterService, FencingDeviceService, type HypervisorAdapters, ManagementModule, NodeService, ResourceService, sealerOf, ServiceGroupService } from '@haaas/management';
import { PersistenceModule, queryCounter, runMigrations, Store } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { InMemoryHypervisor, memUri } from './support/in-memory-hypervisor';
import { pool } from './support/pool';
import { reportTakeover, workerTakeover } from './support/worker-takeover';
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
interface BenchNode {
  readonly name: string;
  readonly uri: string;
  /** The node's hostname (default `<name>.bench`); for vSphere, the host's name in vCenter. */
  readonly hostname?: string;
  readonly username?: string;
  readonly password?: string;
}

interface Scenario {
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

interface Figures {
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

async function failover(dbUrl: string, redisUrl: string, s: Scenario): Promise<Figures> {
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
async function baseline(host: HypervisorHost, refs: readonly string[]): Promise<number> {
  const t0 = performance.now();
  for (const ref of refs) await host.startVm(ref, { signal: AbortSignal.timeout(30_000) });
  return performance.now() - t0;
}

function report(f: Figures, vms: number, baselineMs: number, lastBeat = 'last heartbeat'): void {
  console.log(`   incident ${f.state}; ${f.starts}/${vms} VMs started on survivors`);
  console.log(`   ${lastBeat} → declared failed: ${f.declaredAfterBeatMs.toFixed(0)} ms (policy: interval 1 s, deadtime 2 s)`);
  console.log(`   declared → fenced: ${f.fencingMs.toFixed(0)} ms; declared → first start: ${f.firstStartMs.toFixed(0)} ms`);
  console.log(`   ${lastBeat} → last start:      ${f.fromLastBeatMs.toFixed(0)} ms`);
  console.log(`   declared failed → last start:     ${f.fromDeclaredMs.toFixed(0)} ms   (${f.startsPerSecond.toFixed(0)} starts/s between first and last start)`);
  console.log(`   baseline, ${vms} startVm in a loop: ${baselineMs.toFixed(1)} ms   (${((vms / baselineMs) * 1000).toFixed(0)} starts/s)`);
  console.log(`   ratio (declared → last start) / baseline: ${(f.fromDeclaredMs / baselineMs).toFixed(1)}x`);
  console.log(`   SQL statements from the crash to the end of recovery: ${f.statements} (${(f.statements / vms).toFixed(1)} per VM)`);
}

async function inMemory(dbUrl: string, redisUrl: string, vms: number): Promise<void> {
  console.log(`1) ${vms} HA VMs on one host, zero-latency in-memory hypervisor, 11 nodes, built-in fencing`);
  const mem = new InMemoryHypervisor();
  const survivors = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, uri: memUri(`s${i}`) }));
  const failed = { name: 'f0', uri: memUri('f0') };
  // the node's VM on its managing hypervisor, which the built-in device powers off
  mem.define(memUri('manager'), 'f0', 'RUNNING');
  const f = await failover(dbUrl, redisUrl, {
    title: 'in-memory',
    tenant: 'bench-mem',
    vms,
    adapter: mem,
    failed,
    survivors,
    capacity: { cpus: 512, memoryMb: 1_048_576 },
    fencingRequired: true,
    fence: { agent: 'builtin:libvirt', options: { uri: memUri('manager'), plug: 'f0' }, secretOptions: {} },
    define: async (ref) => mem.define(failed.uri, ref),
    crash: async () => {
      mem.host(failed.uri).up = false;
    },
  });
  const refs = Array.from({ length: vms }, (_, i) => `b${i}`);
  for (const ref of refs) mem.define(memUri('baseline'), ref);
  const base = await baseline(mem.connect({ uri: memUri('baseline') }), refs);
  report(f, vms, base);
}

async function libvirt(dbUrl: string, redisUrl: string, vms: number, dir: string): Promise<void> {
  console.log(`2) ${vms} VMs on libvirt test-driver hosts, 4 nodes, failed host fenced through its IPMI BMC (ipmi_sim, fence_ipmilan)`);
  const [hosts, failedHost] = await Promise.all([
    startLibvirtHosts({ hosts: ['b', 'c', 'd', 'base'] }),
    startSimulatedHost({ name: 'a', password: `bmc-${randomBytes(4).toString('hex')}` }),
  ]);
  try {
    const xml = (ref: string): string => {
      const file = join(dir, `${ref}.xml`);
      writeFileSync(file, testDomainXml({ name: ref, memoryKiB: 64 * 1024 }));
      return file;
    };
    const { password, ...bmc } = failedHost.bmc.fenceOptions() as Record<string, string>;
    const f = await failover(dbUrl, redisUrl, {
      title: 'libvirt',
      tenant: 'bench-kvm',
      vms,
      adapter: new KvmAdapter(),
      failed: { name: 'a', uri: failedHost.host.uri },
      survivors: ['b', 'c', 'd'].map((name) => ({ name, uri: hosts.host(name).uri })),
      capacity: { cpus: 64, memoryMb: 65536 },
      fencingRequired: true,
      fence: { agent: 'fence_ipmilan', options: bmc, secretOptions: { password: password ?? '' } },
      define: async (ref) => {
        await failedHost.host.virsh('define', xml(ref));
      },
      crash: () => failedHost.host.crash(),
    });
    const refs = Array.from({ length: vms }, (_, i) => `base${i}`);
    for (const ref of refs) {
      const r = await hosts.virsh('base', ['define', xml(ref)]);
      if (r.code !== 0) throw new Error(`virsh define: ${r.stderr}`);
    }
    const host = new KvmAdapter().connect({ uri: hosts.host('base').uri });
    try {
      report(f, vms, await baseline(host, refs));
    } finally {
      await host.close();
    }
  } finally {
    await failedHost.stop();
    await hosts.stop();
  }
}

async function vsphere(dbUrl: string, redisUrl: string, vms: number): Promise<void> {
  console.log(`3) ${vms} VMs on vcsim (vSphere), 3 ESXi hosts, no agents (heartbeats from vCenter), failed host fenced through its IPMI BMC`);
  // esx-1 fails, esx-2 and esx-3 survive; esx-4 is outside the cluster and carries the baseline's VMs
  const layout = Array.from({ length: vms }, (_, i) => ({ name: `vm${String(i).padStart(4, '0')}`, priority: 0, home: 0 }));
  const baseVms = Array.from({ length: vms }, (_, i) => ({ name: `base${i}`, priority: 0, home: 3 }));
  const lab = await startVsphereLab({ hosts: 4, services: [...layout, ...baseVms] });
  try {
    const ca = readFileSync(lab.env['HAAAS_VSPHERE_CA_FILE'] as string, 'utf8');
    const adapter = new VsphereAdapter({ ca, watch: { resyncSeconds: Number(lab.env['HAAAS_VSPHERE_RESYNC_SECONDS']) } });
    const vc = lab.vcenter;
    const node = (i: number): BenchNode => {
      const hostname = lab.hosts[i]?.name as string;
      return { name: hostname.split('.')[0] as string, hostname, uri: vc.url, username: vc.username, password: vc.password };
    };
    const failedHost = lab.hosts[0] as (typeof lab.hosts)[number];
    const { password, ...bmc } = failedHost.bmc.fenceOptions() as Record<string, string>;
    const f = await failover(dbUrl, redisUrl, {
      title: 'vsphere',
      tenant: 'bench-vsphere',
      vms,
      adapter,
      heartbeatSource: HeartbeatSource.MANAGER,
      failed: node(0),
      survivors: [node(1), node(2)],
      capacity: { cpus: 128, memoryMb: 262144 },
      fencingRequired: true,
      fence: { agent: 'fence_ipmilan', options: bmc, secretOptions: { password: password ?? '' } },
      // the lab created the VMs (`vm0000-vm` ...) on esx-1; the service's ref is that name
      define: async () => undefined,
      crash: () => vc.admin.disconnectHost(failedHost.name),
      refOf: (i) => `${layout[i]?.name}-vm`,
    });
    const inVcenter = await vc.admin.vms();
    const moved = inVcenter.filter((v) => v.name.startsWith('vm') && v.powerState === 'poweredOn' && v.host !== failedHost.name);
    console.log(`   vcsim says: ${moved.length}/${vms} of the failed host's VMs powered on on survivors, ${inVcenter.filter((v) => v.name.startsWith('vm')).length} registrations of them in all`);
    const host = adapter.connect({ uri: vc.url, username: vc.username, password: vc.password, host: lab.hosts[3]?.name ?? null });
    try {
      report(f, vms, await baseline(host, baseVms.map((b) => `${b.name}-vm`)), 'vCenter lost the host');
    } finally {
      await host.close();
    }
  } finally {
    await lab.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-failover-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    console.log('HAaaS failover benchmark (detector tick 100 ms, recovery concurrency 16)');
    const which = process.argv[2] ?? 'all';
    if (which === 'all' || which === 'memory') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_mem_${Date.now()}`);
      await runMigrations({ url: db });
      await inMemory(db, infra.redisUrl, Number(process.env.BENCH_VMS ?? 1000));
    }
    if (which === 'all' || which === 'libvirt') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_kvm_${Date.now()}`);
      await runMigrations({ url: db });
      await libvirt(db, infra.redisUrl, Number(process.env.BENCH_KVM_VMS ?? 50), dir);
    }
    if (which === 'all' || which === 'takeover') {
      const n = Number(process.env.BENCH_TAKEOVER_SERVICES ?? 200);
      const now = await workerTakeover(infra.dbUrl, n, 'now (lock 5 s, stalled check 1 s, claim 5 s renewed every 1 s)', {});
      const before = await workerTakeover(infra.dbUrl, n, 'baseline, previous timings (lock 15 s, stalled check 15 s, claim 30 s renewed every 10 s)', {
        RECOVERY_LOCK_MS: '15000',
        RECOVERY_STALLED_MS: '15000',
        RECOVERY_CLAIM_TTL_MS: '30000',
        RECOVERY_CLAIM_RENEW_MS: '10000',
      });
      reportTakeover(n, now, before);
    }
    if (which === 'all' || which === 'vsphere') {
      const db = await createDatabase(infra.dbUrl, `haaas_bench_fo_vsphere_${Date.now()}`);
      await runMigrations({ url: db });
      await vsphere(db, infra.redisUrl, Number(process.env.BENCH_VSPHERE_VMS ?? 50));
    }
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
