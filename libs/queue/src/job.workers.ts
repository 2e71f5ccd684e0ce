import { DelayedError, Job, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { JobContext, JobRegistry } from './job.registry';
import { type LogFields, runWithLogContext } from '@haaas/logging';
import type { QueueName } from './jobs';

export interface WorkerOptions {
  /** Jobs of one queue run at once in this process (same-priority services recover in parallel up to this). */
  readonly concurrency?: number;
  /** How long a job stays locked to this worker without a heartbeat: a killed worker's job returns after it. */
  readonly lockDurationMs?: number;
  /**
   * How often the workers look for jobs whose worker died (their lock expired). BullMQ's 30 s
   * default makes a killed worker's recovery wait up to a minute; default here: the lock duration.
   */
  readonly stalledIntervalMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * BullMQ workers for `queues`, dispatching by job name to the registry's handlers. Refuses to
 * start when a job of these queues has no handler.
 */
export function startWorkers(connection: Redis, queues: readonly QueueName[], registry: JobRegistry, options: WorkerOptions = {}): Worker[] {
  registry.assertComplete(queues);
  const log = options.log ?? (() => undefined);
  const shutdown = new AbortController();
  const workers = queues.map(
    (queue) =>
      new Worker(
        queue,
        async (job: Job, token?: string) => {
          const handler = registry.handler(job.name);
          if (!handler) throw new Error(`no handler for job ${job.name}`);
          const context: JobContext = {
            jobId: job.id ?? '',
            attempt: job.attemptsMade + 1,
            signal: shutdown.signal,
            progress: (percent) => job.updateProgress(Math.max(0, Math.min(100, Math.round(percent)))),
            retryLater: async (delayMs) => {
              await job.moveToDelayed(Date.now() + Math.max(0, delayMs), token);
              // BullMQ's way of saying "moved, not done": the worker neither completes nor fails it
              throw new DelayedError();
            },
          };
          // every line the job logs names it and what it works on (incident, operation, service ...)
          await runWithLogContext(jobLogFields(job), () => handler.handle(job.data, context));
        },
        {
          connection,
          concurrency: options.concurrency ?? 4,
          lockDuration: options.lockDurationMs ?? 15_000,
          stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 15_000,
          // a job whose worker died is retried (stalled), up to the job's attempts
          maxStalledCount: 5,
        },
      ),
  );
  for (const w of workers) {
    w.on('failed', (job, err) => log(`job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));
    w.on('error', (err) => log(`worker error: ${err.message}`));
    const close = w.close.bind(w);
    w.close = async (force?: boolean) => {
      shutdown.abort();
      return close(force);
    };
  }
  return workers;
}

/** The ids a job's payload names (`incidentId`, `operationId`, ...; `tenantId` as `tenant`, like requests): payloads carry ids, never secrets. */
export function jobLogFields(job: Pick<Job, 'id' | 'name' | 'data' | 'attemptsMade'>): LogFields {
  const fields: LogFields = { job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 };
  const data: unknown = job.data;
  if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string' && key.endsWith('Id')) fields[key === 'tenantId' ? 'tenant' : key] = value;
    }
  }
  return fields;
}
