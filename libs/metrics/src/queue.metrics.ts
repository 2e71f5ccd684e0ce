import { Queue, QueueEvents } from 'bullmq';
import type Redis from 'ioredis';
import type { HaaasMetrics, QueueCountsSource } from './haaas.metrics';
import { QUEUE_JOB_STATES, type QueueJobState } from './metric-names';

export interface QueueMetrics {
  close(): Promise<void>;
}

/**
 * Job counts of the given BullMQ queues read at scrape time (haaas_queue_jobs), and stalled jobs
 * counted from each queue's event stream (BullMQ keeps no "stalled" state to count: a stalled job
 * is moved back to waiting, or failed, and announced).
 */
export function watchQueues(metrics: HaaasMetrics, names: readonly string[], connect: () => Redis): QueueMetrics {
  // connections handed to BullMQ are the caller's to close (BullMQ closes only those it made)
  const made: Redis[] = [];
  const connection = (): Redis => {
    const c = connect();
    made.push(c);
    return c;
  };
  const queues = names.map((name) => new Queue(name, { connection: connection() }));
  const events = names.map((name) => {
    const e = new QueueEvents(name, { connection: connection() });
    e.on('stalled', () => metrics.queueJobStalled(name));
    // a lost connection: BullMQ reconnects; unlistened, 'error' would be printed each time
    e.on('error', () => undefined);
    return e;
  });
  const counts: QueueCountsSource = async () => {
    const all = await Promise.all(queues.map(async (q) => [q.name, (await q.getJobCounts(...QUEUE_JOB_STATES)) as Partial<Record<QueueJobState, number>>] as const));
    return new Map(all);
  };
  metrics.readSourcesFrom({ queues: counts });
  return {
    async close() {
      await Promise.allSettled([...queues.map((q) => q.close()), ...events.map((e) => e.close())]);
      for (const c of made) c.disconnect();
    },
  };
}
