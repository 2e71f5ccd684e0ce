// Each process's composition (ADR 0016), booted for real on MariaDB and the test Redis: one
// ServiceRunner and one ServiceClaims in the worker, none of the worker's parts in the API, and
// every Redis connection of either process gone from the server's CLIENT LIST once it is closed.
import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { AppModule } from '@haaas/api-server';
import { AppConfig, loadConfig } from '@haaas/config';
import { FailureDetector } from '@haaas/detector';
import { ServiceClaims, ServiceRunner } from '@haaas/engine-runtime';
import { NodeActionBroker } from '@haaas/node-actions';
import { FailbackScheduler, OperationsService, ServiceWatch } from '@haaas/operations';
import { runMigrations } from '@haaas/persistence';
import { IncidentCommands } from '@haaas/recovery';
import { RedisConnections } from '@haaas/redis';
import { createTestDatabase, TestDatabase, testRedisUrl } from '@haaas/testing';
import { WorkerModule } from '@haaas/worker-server';

const DB = 40;

/** Every provider instance of the application, with the module it sits in. */
function instances(app: INestApplicationContext): { module: string; token: unknown; instance: unknown }[] {
  const out: { module: string; token: unknown; instance: unknown }[] = [];
  for (const moduleRef of app.get(ModulesContainer).values()) {
    for (const [token, wrapper] of moduleRef.providers) out.push({ module: moduleRef.metatype.name, token, instance: wrapper.instance });
  }
  return out;
}

type Class<T> = abstract new (...args: never[]) => T;

/**
 * Every object of `cls` reachable from the application's providers through their fields (private
 * ones too): a runner built by hand inside a factory, as operations once did, is found as well.
 */
function ofClass<T>(app: INestApplicationContext, cls: Class<T>): Set<T> {
  const found = new Set<T>();
  const seen = new Set<object>();
  const queue: unknown[] = instances(app).map((p) => p.instance);
  while (queue.length > 0 && seen.size < 500_000) {
    const v = queue.pop();
    if (typeof v !== 'object' || v === null || seen.has(v) || ArrayBuffer.isView(v) || v instanceof Redis) continue;
    seen.add(v);
    if (v instanceof cls) found.add(v);
    queue.push(...Object.values(v));
    // some Maps are proxies whose iteration throws: their fields are walked all the same
    try {
      if (v instanceof Map) for (const [k, x] of v) queue.push(k, x);
      else if (v instanceof Set) for (const x of v) queue.push(x);
    } catch {
      /* not iterable after all */
    }
  }
  return found;
}

/** The clients connected to this file's own Redis database, other than `self`. */
async function clientsOnDb(self: Redis): Promise<string[]> {
  const id = await self.client('ID');
  const list = (await self.client('LIST')) as string;
  return list
    .split('\n')
    .filter((l) => l.includes(` db=${DB} `) && !l.startsWith(`id=${id} `))
    .map((l) => /name=(\S*)/.exec(l)?.[1] ?? '?');
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('per-process composition and the Redis owner', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let probe: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    config = loadConfig({ NODE_ENV: 'test', HAAAS_DB_URL: db.url, HAAAS_REDIS_URL: testRedisUrl(DB), HAAAS_HTTP_PORT: '0' });
    probe = new Redis(testRedisUrl(DB), { maxRetriesPerRequest: 1 });
    await probe.flushdb();
  }, 120_000);

  afterAll(async () => {
    await probe?.quit();
    await db?.drop();
  });

  it('the worker has one ServiceRunner and one ServiceClaims, shared by recovery and operations, and closes every connection', async () => {
    const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: false });
    await worker.init();
    try {
      const runners = ofClass(worker, ServiceRunner);
      const claims = ofClass(worker, ServiceClaims);
      expect(runners.size).toBe(1);
      expect(claims.size).toBe(1);
      // both modules resolve the same instance: recovery's own, and the one operations was given
      expect(worker.get(ServiceRunner)).toBe([...runners][0]);
      expect(ofClass(worker, NodeActionBroker).size).toBe(1);
      expect(ofClass(worker, OperationsService).size).toBe(1);
      expect(worker.get(FailbackScheduler)).toBeInstanceOf(FailbackScheduler);
      expect(worker.get(ServiceWatch)).toBeInstanceOf(ServiceWatch);
      expect(worker.get(FailureDetector)).toBeInstanceOf(FailureDetector);
      // the queues, the detector, the heartbeats and webhooks: connections opened by the owner only
      const purposes = worker.get(RedisConnections).purposes();
      expect(purposes).toEqual(expect.arrayContaining(['recovery', 'operations', 'operations-worker', 'detector', 'heartbeats', 'webhooks-worker', 'webhooks-producer']));
      expect(purposes).not.toContain('live');
      await until(async () => (await clientsOnDb(probe)).includes('haaas-operations-worker'));
      expect(await clientsOnDb(probe)).toEqual(expect.arrayContaining(['haaas-recovery', 'haaas-detector', 'haaas-operations-worker']));
    } finally {
      await worker.close();
    }
    await until(async () => (await clientsOnDb(probe)).length === 0);
    expect(await clientsOnDb(probe)).toEqual([]);
  }, 120_000);

  it('the API has none of the worker-only parts, no provider left null, and closes every connection', async () => {
    const api = await NestFactory.create(AppModule.forRoot(config), { logger: false });
    await api.init();
    try {
      const workerOnly: Class<unknown>[] = [ServiceRunner, ServiceClaims, FailureDetector, FailbackScheduler, ServiceWatch, IncidentCommands];
      for (const cls of workerOnly) expect([cls.name, ofClass(api, cls).size]).toEqual([cls.name, 0]);
      // Nest's own request-scoped placeholders aside
      const nulls = instances(api).filter((p) => p.instance === null && p.module !== 'InternalCoreModule').map((p) => `${p.module}:${String(p.token)}`);
      expect(nulls).toEqual([]);
      expect(ofClass(api, OperationsService).size).toBe(1);
      const purposes = api.get(RedisConnections).purposes();
      expect(purposes).toEqual(expect.arrayContaining(['operations', 'live', 'heartbeats', 'rate-limit', 'health', 'webhooks-producer']));
      for (const purpose of ['recovery', 'operations-worker', 'webhooks-worker', 'detector'] as const) expect(purposes).not.toContain(purpose);
      await until(async () => (await clientsOnDb(probe)).includes('haaas-health'));
      expect(await clientsOnDb(probe)).toEqual(expect.arrayContaining(['haaas-operations', 'haaas-live', 'haaas-health']));
    } finally {
      await api.close();
    }
    await until(async () => (await clientsOnDb(probe)).length === 0);
    expect(await clientsOnDb(probe)).toEqual([]);
  }, 120_000);
});
