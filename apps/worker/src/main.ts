/**
 * Entry point of the worker process: the failure detector and the BullMQ workers of the failover
 * engine. Any number may run; the detector's lease makes one of them detect at a time.
 */
import 'reflect-metadata';
import { loadConfig } from '@haaas/config';
import { startWorker } from '@haaas/worker-server';

startWorker(loadConfig()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
