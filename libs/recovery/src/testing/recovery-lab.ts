import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type LibvirtHosts, startLibvirtHosts, testDomainXml } from '@haaas/adapter-kvm/testing';
import { loadConfig } from '@haaas/config';
import { DEFAULT_TENANT_QUOTA, TenantScope } from '@haaas/domain';
import { type SimulatedHost, startSimulatedHost } from '@haaas/fencing/testing';
import { FencingExecutor, ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule, runMigrations, Store } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { IncidentCommands } from '../incident.commands';
import { RecoveryModule } from '../recovery.module';
import { RedisModule } from '@haaas/redis';
import { NodeActionsModule } from '@haaas/node-actions';
import type { RecoveryModuleOptions } from '@haaas/engine-runtime';
import { RecoveryQueue } from '../recovery.queue';
import { ServiceRunner } from '@haaas/engine-runtime';
import { startLabHeartbeats } from './lab-heartbeats';
import { clusterEvents, recordFailure, waitForIncident } from './lab-incidents';
import { startsOf, startsOn, startTimes } from './lab-libvirt-log';
import { addLabService, type SeedContext, seedLab } from './lab-seed';
import { LAB_TENANT, type Lab, type LabOptions, type LabRedisServer, type WorkerProcess } from './lab-types';
import { spawnLabWorker } from './lab-worker-process';

export { LAB_TENANT } from './lab-types';
export type { Lab, LabDatabase, LabOptions, LabRedisServer, LabServiceOptions, Seeded, SeedOptions, StartRedis, WorkerProcess } from './lab-types';

/**
 * A small datacenter for recovery tests, all real: a throwaway MariaDB database (migrated), a
 * Redis of its own (so it can be stopped and started, and no other test file's workers take its
 * jobs), libvirt test-driver hosts that survive (`b`, `c`, ...) and one host that fails: a
 * simulated host `a` whose IPMI BMC (ipmi_sim) powers its libvirtd, fenced with fence_ipmilan.
 * The application services are the real ones, wired by Nest as in the worker.
 */

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

/** The lab's pieces once started: what the `Lab` methods work on. */
interface LabParts {
  readonly options: LabOptions;
  readonly survivors: readonly string[];
  readonly dir: string;
  readonly cleanup: (() => Promise<unknown>)[];
  readonly db: Awaited<ReturnType<LabOptions['database']>>;
  readonly redis: { current: LabRedisServer | null; readonly port: number; readonly dataDir: string };
  readonly hosts: LibvirtHosts;
  readonly failed: SimulatedHost;
  readonly app: INestApplicationContext;
}

/** Database (migrated), Redis, the libvirt hosts and the failing host, then the Nest application on them. */
async function startParts(options: LabOptions, dir: string, cleanup: LabParts['cleanup']): Promise<LabParts> {
  const log = options.log ?? (() => undefined);
  const survivors = options.survivors ?? ['b', 'c'];
  const db = await options.database();
  cleanup.push(() => db.drop());
  await runMigrations({ url: db.url });
  const dataDir = join(dir, 'redis');
  const started = await options.startRedis({ dataDir });
  const redis: LabParts['redis'] = { current: started, port: started.port, dataDir };
  cleanup.push(async () => redis.current?.stop());
  const [hosts, failed] = await Promise.all([startLibvirtHosts({ hosts: survivors, log }), startSimulatedHost({ name: 'a', password: `bmc-${randomBytes(4).toString('hex')}` })]);
  cleanup.push(() => hosts.stop());
  cleanup.push(() => failed.stop());
  const app = await NestFactory.createApplicationContext(
    recoveryWorkerModule(db.url, started.url, { ...options.recovery, runWorkers: options.workers ?? false, workerTag: options.recovery?.workerTag ?? 'lab' }),
    { logger: ['error', 'warn'] },
  );
  await app.init();
  cleanup.push(() => app.close());
  return { options, survivors, dir, cleanup, db, redis, hosts, failed, app };
}

/** The seeding context of the lab: its services, hosts, and heartbeats (started here, stopped at close). */
function seedContext(parts: LabParts, scope: TenantScope): SeedContext {
  const { app, hosts, failed, dir, cleanup } = parts;
  const heartbeats = startLabHeartbeats(parts.redis.current?.url ?? `redis://127.0.0.1:${parts.redis.port}`);
  cleanup.push(async () => heartbeats.stop());
  const virsh = async (host: string, args: string[]): Promise<string> => {
    if (host === 'a') return failed.host.virsh(...args);
    const r = await hosts.virsh(host, args);
    if (r.code !== 0) throw new Error(`virsh ${args.join(' ')} on ${host}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    app,
    scope,
    store: app.get(Store),
    runner: app.get(ServiceRunner),
    failed,
    survivors: parts.survivors,
    heartbeats,
    uriOf: (host) => (host === 'a' ? failed.host.uri : hosts.host(host).uri),
    async define(host, vm, memoryMb) {
      const file = join(dir, `${host}-${vm}.xml`);
      writeFileSync(file, testDomainXml({ name: vm, memoryKiB: memoryMb * 1024 }));
      await virsh(host, ['define', file]);
    },
  };
}

/** The `Lab` over started parts. */
function labOf(parts: LabParts, close: () => Promise<void>): Lab {
  const { app, db, hosts, failed, redis, options } = parts;
  const scope = TenantScope.of(LAB_TENANT, { subject: 'lab@example.com', roles: ['admin'] });
  const ctx = seedContext(parts, scope);
  const { store, runner, heartbeats } = ctx;
  const workers: WorkerProcess[] = [];
  parts.cleanup.push(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  });
  const queue = app.get(RecoveryQueue);
  return {
    app,
    store,
    scope,
    db,
    redisUrl: redis.current?.url ?? `redis://127.0.0.1:${redis.port}`,
    hosts,
    failed,
    runner,
    queue,
    commands: app.get(IncidentCommands),
    seed: (o = {}) => seedLab(ctx, o),
    silence: (seeded, host) => heartbeats.beats(seeded, host, false),
    resume: (seeded, host) => heartbeats.beats(seeded, host, true),
    addService: (seeded, name, o) => addLabService(ctx, seeded, name, o),
    async declareFailure(seeded, host = 'a', enqueue = true) {
      const nodeId = seeded.nodes[host];
      if (!nodeId) throw new Error(`no host ${host}`);
      heartbeats.beats(seeded, host, false);
      const incidentId = await recordFailure(store, scope, seeded, nodeId);
      if (enqueue) await queue.enqueueIncident(scope.tenantId, incidentId);
      return incidentId;
    },
    waitForIncident: (incidentId, states, timeoutMs) => waitForIncident(store, scope, incidentId, states, timeoutMs),
    events: (clusterId, types) => clusterEvents(store, scope, clusterId, types),
    startsOn: (vm, host) => startsOn(hosts, vm, host),
    startTimes: (vm) => startTimes(hosts, vm),
    startsOf: (vm) => startsOf(hosts, vm),
    async runningOn(vm) {
      const on: string[] = [];
      for (const h of parts.survivors) {
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
      await redis.current?.stop();
      redis.current = null;
    },
    async startRedis() {
      redis.current = await options.startRedis({ dataDir: redis.dataDir, port: redis.port });
    },
    spawnWorker: (tag, env = {}) =>
      spawnLabWorker({ dir: parts.dir, dbUrl: db.url, redisUrl: redis.current?.url ?? `redis://127.0.0.1:${redis.port}`, tag, env, workers }),
    close,
  };
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'haaas-recovery-'));
  const cleanup: (() => Promise<unknown>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const closeAll = async (): Promise<void> => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  };
  try {
    return labOf(await startParts(options, dir, cleanup), closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}
