/**
 * An operations worker for the crash-safety test, run as a child process
 * (`node tools/run.js libs/operations/src/testing/operations-worker.entry.ts`): the worker
 * app's persistence, management, node-actions, recovery (its runner and claims, no recovery
 * workers) and operations modules, without the failure detector (the test's nodes run no agent). Environment: HAAAS_DB_URL, HAAAS_REDIS_URL,
 * OPERATIONS_WORKER_TAG, OPERATIONS_LOCK_MS.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@haaas/config';
import { DEFAULT_TENANT_QUOTA } from '@haaas/domain';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { NodeActionsModule } from '@haaas/node-actions';
import { RecoveryModule } from '@haaas/recovery';
import { RedisModule } from '@haaas/redis';
import { OperationsWorkerModule } from '../operations-worker.module';

async function main(): Promise<void> {
  const dbUrl = process.env['HAAAS_DB_URL'];
  const redisUrl = process.env['HAAAS_REDIS_URL'];
  const tag = process.env['OPERATIONS_WORKER_TAG'] ?? 'child';
  const lockMs = Number(process.env['OPERATIONS_LOCK_MS'] ?? '') || undefined;
  if (!dbUrl || !redisUrl) throw new Error('HAAAS_DB_URL and HAAAS_REDIS_URL are required');
  const config = loadConfig({ NODE_ENV: 'test' });
  const sealer = sealerOf(new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId }));
  const adapters = hypervisorAdapters();
  @Module({
    imports: [
      RedisModule.forRoot({ url: redisUrl }),
      PersistenceModule.forRoot({ url: dbUrl }),
      ManagementModule.forRoot({ defaultQuota: DEFAULT_TENANT_QUOTA, sealer, adapters }),
      NodeActionsModule.forRoot(),
      RecoveryModule.forRoot({ adapters, sealer, runWorkers: false }),
      OperationsWorkerModule.forRoot({ adapters, sealer, ...(lockMs ? { lockDurationMs: lockMs } : {}) }),
    ],
  })
  class OperationsWorkerEntry {}
  const app = await NestFactory.createApplicationContext(OperationsWorkerEntry, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.init();
  console.log(`operations worker ready (${tag}, pid ${process.pid})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
