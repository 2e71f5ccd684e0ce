/**
 * A recovery worker for the crash-safety tests, run as a child process
 * (`node tools/run.js libs/recovery/src/testing/recovery-worker.entry.ts`): the worker
 * app's persistence, management and recovery modules, without the failure detector (the tests
 * declare failures themselves, and a detector would act on their clusters too).
 * Environment: HAAAS_DB_URL, HAAAS_REDIS_URL, RECOVERY_WORKER_TAG, and optionally
 * RECOVERY_CONCURRENCY, RECOVERY_LOCK_MS, RECOVERY_STALLED_MS, RECOVERY_CLAIM_TTL_MS, RECOVERY_CLAIM_RENEW_MS,
 * RECOVERY_CLAIM_WAIT_MS (the defaults of RecoveryModule otherwise).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { recoveryWorkerModule } from './recovery-lab';

function intEnv(name: string): number | undefined {
  const raw = process.env[name];
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

async function main(): Promise<void> {
  const dbUrl = process.env['HAAAS_DB_URL'];
  const redisUrl = process.env['HAAAS_REDIS_URL'];
  const tag = process.env['RECOVERY_WORKER_TAG'] ?? 'child';
  if (!dbUrl || !redisUrl) throw new Error('HAAAS_DB_URL and HAAAS_REDIS_URL are required');
  const concurrency = intEnv('RECOVERY_CONCURRENCY');
  const lockDurationMs = intEnv('RECOVERY_LOCK_MS');
  const stalledIntervalMs = intEnv('RECOVERY_STALLED_MS');
  const claimTtlMs = intEnv('RECOVERY_CLAIM_TTL_MS');
  const claimRenewMs = intEnv('RECOVERY_CLAIM_RENEW_MS');
  const claimWaitMs = intEnv('RECOVERY_CLAIM_WAIT_MS');
  const app = await NestFactory.createApplicationContext(
    recoveryWorkerModule(dbUrl, redisUrl, {
      workerTag: tag,
      runWorkers: true,
      ...(concurrency ? { concurrency } : {}),
      ...(lockDurationMs ? { lockDurationMs } : {}),
      ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
      ...(claimTtlMs ? { claimTtlMs } : {}),
      ...(claimRenewMs ? { claimRenewMs } : {}),
      ...(claimWaitMs ? { claimWaitMs } : {}),
      log: (line) => console.log(`[${tag}] ${line}`),
    }),
    { logger: ['error', 'warn', 'log'] },
  );
  app.enableShutdownHooks();
  await app.init();
  console.log(`recovery worker ready (${tag}, pid ${process.pid})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
