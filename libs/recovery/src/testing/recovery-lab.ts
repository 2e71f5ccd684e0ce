import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type LibvirtHosts, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { connectRedis, loadConfig } from '@haaas/config';
import { DEFAULT_TENANT_QUOTA, Hypervisor, IncidentState, NodeKind, NodeStatus, RecoveryAction, ResourceType, TenantScope } from '@haaas/domain';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { ClusterService, FencingDeviceService, FencingExecutor, ManagementModule, NodeService, ResourceService, sealerOf, ServiceGroupService } from '@haaas/management';
import { EventEntity, PersistenceModule, runMigrations, Store } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { HeartbeatStore } from '@haaas/heartbeats';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { IncidentCommands } from '../incident.commands';
import { RecoveryModule } from '../recovery.module';
import { RedisModule } from '@haaas/redis';
import { NodeActionsModule } from '@haaas/node-actions';
import type { RecoveryModuleOptions } from '@haaas/engine-runtime';
import { RecoveryQueue } from '../recovery.queue';
import { ServiceRunner } from '@haaas/engine-runtime';

/**
 * A small datacenter for recovery tests, all real: a throwaway MariaDB database (migrated), a
 * Redis of its own (so it can be stopped and started, and no other test file's workers take its
 * jobs), libvirt test-driver hosts that survive (`b`, `c`, ...) and one host that fails: a
 * simulated host `a` whose IPMI BMC (ipmi_sim) powers its libvirtd, fenced with fence_ipmilan.
 * The application services are the real ones, wired by Nest as in the worker.
 */

export const LAB_TENANT = 'lab';

/** A throwaway database (the test's `createTestDatabase()`): empty, migrated here. */
export interface LabDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A Redis server the lab can stop and start again on the same port (the test's devstack `startRedis`). */
export interface LabRedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export type StartRedis = (options: { dataDir: string; port?: number }) => Promise<LabRedisServer>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The secrets key of test and development: the worker child processes use the same one. */
export function labSecrets(): { sealer: ReturnType<typeof sealerOf>; box: SecretBox } {
  const config = loadConfig({ NODE_ENV: 'test' });
  const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
  return { box, sealer: sealerOf(box) };
}

/** The modules of a recovery worker (the worker app's, without the detector and heartbeats). */
export function recoveryWorkerModule(dbUrl: string, redisUrl: string, options: RecoveryModuleOptions = {}): DynamicModule {
  const { sealer } = labSecrets();
  const adapters = hypervisorAdapters();
  @Module({})
  class RecoveryWorkerModule {}
  return {
    module: RecoveryWorkerModule,
    imports: [
      RedisModule.forRoot({ url: redisUrl }),
      PersistenceModule.forRoot({ url: dbUrl, poolSize: 10 }),
      ManagementModule.forRoot({ defaultQuota: DEFAULT_TENANT_QUOTA, sealer, adapters }),
      NodeActionsModule.forRoot(),
      RecoveryModule.forRoot({ ...options, adapters, sealer }),
    ],
  };
}

export interface LabOptions {
  /** Test helpers are passed in: the engine library may not depend on them outside tests. */
  readonly database: () => Promise<LabDatabase>;
  readonly startRedis: StartRedis;
  readonly survivors?: readonly string[];
  /** Run the recovery workers in this process (default false: child workers, or none). */
  readonly workers?: boolean;
  readonly recovery?: RecoveryModuleOptions;
  readonly log?: (line: string) => void;
}

export interface SeedOptions {
  readonly fencingRequired?: boolean;
  /** How node `a` is fenced: its BMC at level 1; a wrong BMC password at level 1 then the right one at 2; only wrong; none. */
  readonly fence?: 'ipmi' | 'wrong-then-ipmi' | 'wrong' | 'none';
  readonly capacity?: { readonly cpus: number; readonly memoryMb: number };
  /** The cluster's deadtime (default 10 s; heartbeats every second). */
  readonly deadtimeSeconds?: number;
}

export interface Seeded {
  readonly clusterId: string;
  /** Node ids by host name (`a`, `b`, ...). */
  readonly nodes: Readonly<Record<string, string>>;
}

export interface LabServiceOptions {
  readonly priority?: number;
  /** VM names (test-driver domains of 1 vCPU, 512 MiB unless memoryMb says otherwise). */
  readonly vms: readonly string[];
  readonly memoryMb?: number;
  /** Where it starts running (default `a`). */
  readonly on?: string;
  readonly failoverDomainId?: string | null;
  readonly maxRelocations?: number;
  readonly rtoSeconds?: number | null;
  readonly antiAffinityGroup?: string | null;
  readonly recoveryAction?: RecoveryAction;
  /** Also define (not start) the VMs on these hosts: they have the disks too. */
  readonly alsoDefinedOn?: readonly string[];
  /** Forget the kept definitions after the first start (the VMs can then only start where they are defined). */
  readonly forgetDefinitions?: boolean;
}

export interface WorkerProcess {
  readonly tag: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
  log(): string;
}

export interface Lab {
  readonly app: INestApplicationContext;
  readonly store: Store;
  readonly scope: TenantScope;
  readonly db: LabDatabase;
  readonly redisUrl: string;
  readonly hosts: LibvirtHosts;
  readonly failed: SimulatedHost;
  readonly runner: ServiceRunner;
  readonly queue: RecoveryQueue;
  readonly commands: IncidentCommands;
  seed(options?: SeedOptions): Promise<Seeded>;
  addService(seeded: Seeded, name: string, options: LabServiceOptions): Promise<string>;
  /** What the detector does on a confirmed failure: node FAILED, incident row in DETECTED, `incident.recover` queued. */
  declareFailure(seeded: Seeded, host?: string, enqueue?: boolean): Promise<string>;
  /**
   * Heartbeats: every node of a seeded cluster beats once a second into the heartbeat store (as its
   * agent would) until `declareFailure` or `silence` stops it; `resume` starts it again.
   */
  silence(seeded: Seeded, host: string): void;
  resume(seeded: Seeded, host: string): void;
  /** Waits until the incident is in one of `states`; fails with the cluster log's tail otherwise. */
  waitForIncident(incidentId: string, states: readonly IncidentState[], timeoutMs: number): Promise<void>;
  events(clusterId: string, types?: readonly string[]): Promise<EventEntity[]>;
  /** `Started` lifecycle events of a domain in the surviving hosts' libvirt event logs. */
  startsOf(vm: string): number;
  /** `Started` lifecycle events of a domain in one surviving host's libvirt event log. */
  startsOn(vm: string, host: string): number;
  /** When the surviving hosts' libvirt logged `Started` for a domain (ms, from `virsh event --timestamp`), earliest first. */
  startTimes(vm: string): number[];
  /** Surviving hosts where the domain is running now (virsh domstate). */
  runningOn(vm: string): Promise<string[]>;
  /** Brings host `a` back: through its BMC (fence_ipmilan `on`) after a fence, else by starting its libvirtd; a fresh test driver either way. */
  powerOnFailedHost(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** A recovery worker in a child process (`node tools/run.js …/recovery-worker.entry.ts`). */
  spawnWorker(tag: string, env?: Readonly<Record<string, string>>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

const REPO = resolve(__dirname, '../../../..');

export async function startLab(options: LabOptions): Promise<Lab> {
  const log = options.log ?? (() => undefined);
  const survivors = options.survivors ?? ['b', 'c'];
  const dir = mkdtempSync(join(tmpdir(), 'haaas-recovery-'));
  const cleanup: (() => Promise<unknown>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const closeAll = async (): Promise<void> => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  };
  try {
    const db = await options.database();
    cleanup.push(() => db.drop());
    await runMigrations({ url: db.url });
    const redisDir = join(dir, 'redis');
    let redis: LabRedisServer | null = await options.startRedis({ dataDir: redisDir });
    const redisPort = redis.port;
    cleanup.push(async () => redis?.stop());
    const [hosts, failed] = await Promise.all([startLibvirtHosts({ hosts: survivors, log }), startSimulatedHost({ name: 'a', password: `bmc-${randomBytes(4).toString('hex')}` })]);
    cleanup.push(() => hosts.stop());
    cleanup.push(() => failed.stop());

    const app = await NestFactory.createApplicationContext(
      recoveryWorkerModule(db.url, redis.url, { ...options.recovery, runWorkers: options.workers ?? false, workerTag: options.recovery?.workerTag ?? 'lab' }),
      { logger: ['error', 'warn'] },
    );
    await app.init();
    cleanup.push(() => app.close());

    const store = app.get(Store);
    const scope = TenantScope.of(LAB_TENANT, { subject: 'lab@example.com', roles: ['admin'] });
    const runner = app.get(ServiceRunner);
    const nodes = app.get(NodeService);
    const uriOf = (host: string): string => (host === 'a' ? failed.host.uri : hosts.host(host).uri);
    const virsh = async (host: string, args: string[]): Promise<string> => {
      if (host === 'a') return failed.host.virsh(...args);
      const r = await hosts.virsh(host, args);
      if (r.code !== 0) throw new Error(`virsh ${args.join(' ')} on ${host}: ${r.stderr}`);
      return r.stdout;
    };
    const define = async (host: string, vm: string, memoryMb: number): Promise<void> => {
      const file = join(dir, `${host}-${vm}.xml`);
      writeFileSync(file, testDomainXml({ name: vm, memoryKiB: memoryMb * 1024 }));
      await virsh(host, ['define', file]);
    };
    // the nodes' agents: one beat a second per node of `beating` (cluster id → node ids)
    const hbRedis = connectRedis(redis.url, { maxRetriesPerRequest: 1, connectionName: 'lab-heartbeats' });
    hbRedis.on('error', () => undefined); // the Redis of the lab is stopped on purpose in some tests
    cleanup.push(async () => hbRedis.disconnect());
    const heartbeats = new HeartbeatStore(hbRedis);
    const beating = new Map<string, Set<string>>();
    const bootTime = Date.now() - 3_600_000;
    const beatAll = async (): Promise<void> => {
      const now = Date.now();
      await Promise.all(
        [...beating].flatMap(([clusterId, ids]) =>
          [...ids].map((nodeId) => heartbeats.record({ tenantId: LAB_TENANT, clusterId, nodeId }, { sentAt: now, bootTime, checks: {}, agentVersion: 'lab' }).catch(() => undefined)),
        ),
      );
    };
    const ticker = setInterval(() => void beatAll(), 1000);
    cleanup.push(async () => clearInterval(ticker));
    const beats = (seeded: Seeded, host: string, on: boolean): void => {
      const id = seeded.nodes[host];
      if (!id) throw new Error(`no host ${host}`);
      const set = beating.get(seeded.clusterId) ?? new Set<string>();
      if (on) set.add(id);
      else set.delete(id);
      beating.set(seeded.clusterId, set);
    };
    const workers: WorkerProcess[] = [];
    cleanup.push(async () => {
      for (const w of workers) w.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
    });

    const lab: Lab = {
      app,
      store,
      scope,
      db,
      redisUrl: redis.url,
      hosts,
      failed,
      runner,
      queue: app.get(RecoveryQueue),
      commands: app.get(IncidentCommands),

      async seed(o = {}) {
        const cluster = await app.get(ClusterService).create(scope, { name: `lab${randomBytes(3).toString('hex')}`, hypervisor: Hypervisor.KVM, policy: { fencingRequired: o.fencingRequired ?? true, ...(o.deadtimeSeconds !== undefined ? { deadtimeSeconds: o.deadtimeSeconds, heartbeatIntervalSeconds: 1 } : {}) } });
        const ids: Record<string, string> = {};
        for (const host of ['a', ...survivors]) {
          const node = await nodes.join(scope, {
            clusterId: cluster.id,
            hostname: `${host}.${cluster.name}.example`,
            kind: NodeKind.PHYSICAL,
            endpoint: { uri: uriOf(host) },
            capacity: o.capacity ?? { cpus: 8, memoryMb: 8192 },
          });
          ids[host] = node.id;
        }
        // what the detector records for healthy nodes
        await store.transaction(async (repos) => {
          for (const id of Object.values(ids)) {
            const n = await repos.nodes.lock(scope, id);
            n.status = NodeStatus.ONLINE;
            await repos.nodes.save(scope, n);
          }
        });
        const fence = o.fence ?? 'ipmi';
        if (fence !== 'none') {
          const devices = app.get(FencingDeviceService);
          const bmc = failed.bmc.fenceOptions();
          const add = async (name: string, password: string, level: number): Promise<void> => {
            const device = await devices.add(scope, {
              clusterId: cluster.id,
              name,
              agent: 'fence_ipmilan',
              options: Object.entries(bmc)
                .filter(([k]) => k !== 'password')
                .map(([key, value]) => ({ key, value })),
              secretOptions: [{ key: 'password', value: password }],
            });
            await devices.associate(scope, { deviceId: device.id, nodeId: ids['a'] as string, level });
          };
          if (fence === 'wrong-then-ipmi' || fence === 'wrong') await add('bmc-a-wrong', `${failed.bmc.password}x`, 1);
          if (fence === 'ipmi' || fence === 'wrong-then-ipmi') await add('bmc-a', failed.bmc.password, fence === 'ipmi' ? 1 : 2);
        }
        beating.set(cluster.id, new Set(Object.values(ids)));
        await beatAll();
        return { clusterId: cluster.id, nodes: ids };
      },

      silence(seeded, host) {
        beats(seeded, host, false);
      },

      resume(seeded, host) {
        beats(seeded, host, true);
      },

      async addService(seeded, name, o) {
        const on = o.on ?? 'a';
        const memoryMb = o.memoryMb ?? 512;
        const resourceIds: string[] = [];
        for (const vm of o.vms) {
          await define(on, vm, memoryMb);
          for (const other of o.alsoDefinedOn ?? []) await define(other, vm, memoryMb);
          const r = await app.get(ResourceService).create(scope, { clusterId: seeded.clusterId, name: `r-${vm}`, type: ResourceType.VM, vm: { hypervisorRef: vm } });
          resourceIds.push(r.id);
        }
        const service = await app.get(ServiceGroupService).create(scope, {
          clusterId: seeded.clusterId,
          name,
          resources: resourceIds,
          policy: {
            priority: o.priority ?? 500,
            maxRelocations: o.maxRelocations ?? 3,
            recoveryTimeObjectiveSeconds: o.rtoSeconds ?? null,
            antiAffinityGroup: o.antiAffinityGroup ?? null,
            failoverDomainId: o.failoverDomainId ?? null,
            recoveryAction: o.recoveryAction ?? RecoveryAction.RELOCATE,
            startTimeoutSeconds: 30,
            stopTimeoutSeconds: 5,
          },
        });
        const nodeId = seeded.nodes[on];
        if (!nodeId) throw new Error(`no host ${on}`);
        await runner.withClaim(scope, service.id, 'lab', (claim) => runner.start(claim, nodeId, { reason: 'lab: initial start' }));
        if (o.forgetDefinitions) {
          await store.transaction(async (repos) => {
            for (const id of resourceIds) {
              const r = await repos.resources.lock(scope, id);
              r.vmDefinition = null;
              r.vmDefinitionFormat = null;
              r.vmCpus = null;
              r.vmMemoryMb = null;
              await repos.resources.save(scope, r);
            }
          });
        }
        return service.id;
      },

      async declareFailure(seeded, host = 'a', enqueue = true) {
        const nodeId = seeded.nodes[host];
        if (!nodeId) throw new Error(`no host ${host}`);
        beats(seeded, host, false);
        const now = Date.now();
        const incident = await store.transaction(async (repos) => {
          const n = await repos.nodes.lock(scope, nodeId);
          n.status = NodeStatus.FAILED;
          n.statusReason = 'lab: declared failed';
          await repos.nodes.save(scope, n);
          return repos.incidents.create(scope, {
            clusterId: seeded.clusterId,
            nodeId,
            idempotencyKey: `${seeded.clusterId}:${nodeId}:${now}`,
            state: IncidentState.DETECTED,
            source: 'DETECTOR',
            reason: 'lab: no heartbeat, hypervisor unreachable',
            lastSeenAt: new Date(now - 3000),
            declaredAt: new Date(now),
            fencedAt: null,
            finishedAt: null,
            fencing: null,
            detectorToken: '0',
            openedAt: new Date(now),
          });
        });
        if (enqueue) await lab.queue.enqueueIncident(scope.tenantId, incident.id);
        return incident.id;
      },

      async waitForIncident(incidentId, states, timeoutMs) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const row = await store.repos.incidents.get(scope, incidentId);
          if (states.includes(row.state as IncidentState)) return;
          if (Date.now() > until) {
            const tail = (await lab.events(row.clusterId)).slice(-25).map((e) => `${e.at.toISOString()} ${e.type} ${e.message ?? ''}`);
            throw new Error(`incident ${incidentId} is ${row.state}, not ${states.join('/')}, after ${timeoutMs} ms; log:\n${tail.join('\n')}`);
          }
          await sleep(100);
        }
      },

      async events(clusterId, types) {
        const rows = await store.repos.events.find(scope, { clusterId }, { id: 'ASC' });
        return types ? rows.filter((e) => types.includes(e.type)) : rows;
      },

      startsOn(vm, host) {
        const pattern = new RegExp(`for domain '${vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': Started `);
        try {
          return readFileSync(hosts.host(host).eventsLog, 'utf8').split('\n').filter((l) => pattern.test(l)).length;
        } catch {
          return 0;
        }
      },

      startTimes(vm) {
        const pattern = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+)([+-]\\d{4}): .*for domain '${vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': Started `);
        const times: number[] = [];
        for (const h of hosts.hosts) {
          let text = '';
          try {
            text = readFileSync(h.eventsLog, 'utf8');
          } catch {
            continue;
          }
          for (const line of text.split('\n')) {
            const m = pattern.exec(line);
            if (m) times.push(Date.parse(`${(m[1] as string).replace(' ', 'T')}${(m[2] as string).replace(/(\d\d)(\d\d)$/, '$1:$2')}`));
          }
        }
        return times.sort((x, y) => x - y);
      },

      startsOf(vm) {
        let n = 0;
        const pattern = new RegExp(`for domain '${vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': Started `);
        for (const h of hosts.hosts) {
          let text = '';
          try {
            text = readFileSync(h.eventsLog, 'utf8');
          } catch {
            continue;
          }
          n += text.split('\n').filter((l) => pattern.test(l)).length;
        }
        return n;
      },

      async runningOn(vm) {
        const on: string[] = [];
        for (const h of survivors) {
          const r = await hosts.virsh(h, ['domstate', vm]);
          if (r.code === 0 && r.stdout.trim() === 'running') on.push(h);
        }
        return on;
      },

      async powerOnFailedHost() {
        if (await failed.host.isUp()) return;
        // a crashed host whose BMC still reads "on": the BMC would not run its power hook again
        if (failed.bmc.power() === 'on') return failed.host.start();
        const r = await app.get(FencingExecutor).execute({ agent: 'fence_ipmilan', action: 'on', options: failed.bmc.fenceOptions(), timeoutMs: 30_000, retries: 1 });
        if (!r.ok) throw new Error(`power on of a failed: ${r.error?.message ?? r.output}`);
        await failed.host.waitUntilUp();
      },

      async stopRedis() {
        await redis?.stop();
        redis = null;
      },

      async startRedis() {
        redis = await options.startRedis({ dataDir: redisDir, port: redisPort });
      },

      async spawnWorker(tag, env = {}) {
        const logFile = join(dir, `worker-${tag}.log`);
        const fd = openSync(logFile, 'a');
        let child: ChildProcess;
        try {
          child = spawn(process.execPath, [join(REPO, 'tools/run.js'), join(REPO, 'libs/recovery/src/testing/recovery-worker.entry.ts')], {
            cwd: REPO,
            env: {
              PATH: process.env['PATH'] ?? '/usr/bin:/bin',
              NODE_ENV: 'test',
              HAAAS_DB_URL: db.url,
              HAAAS_REDIS_URL: redis?.url ?? `redis://127.0.0.1:${redisPort}`,
              RECOVERY_WORKER_TAG: tag,
              ...env,
            },
            stdio: ['ignore', fd, fd],
          });
        } finally {
          closeSync(fd);
        }
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        const worker: WorkerProcess = {
          tag,
          pid: child.pid ?? -1,
          logFile,
          exited,
          kill: (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          },
          log: () => readFileSync(logFile, 'utf8'),
        };
        workers.push(worker);
        // ready when it says so: its BullMQ workers are listening
        const until = Date.now() + 60_000;
        while (!worker.log().includes('recovery worker ready')) {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${tag} exited while starting:\n${worker.log()}`);
          if (Date.now() > until) throw new Error(`worker ${tag} not ready after 60 s:\n${worker.log()}`);
          await sleep(100);
        }
        return worker;
      },

      close: closeAll,
    };
    return lab;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
