import { JobsOptions, Queue } from 'bullmq';
import type Redis from 'ioredis';
import { JOB_QUEUE, jobOptions, JobName, JobPayloads, QueueName } from './jobs';

export interface EnqueueOptions {
  /**
   * Idempotency key: BullMQ keeps one job per id, so enqueuing the same work twice (two
   * detectors, a retried request) yields one job. BullMQ refuses ':' in ids: join parts with '.'.
   */
  readonly jobId?: string;
  /** 1 (first) to 2,097,152; BullMQ runs lower numbers first. */
  readonly priority?: number;
  readonly delayMs?: number;
}

/** Typed access to the queues for whoever creates work (API, detector, recovery fan-out). */
export class JobProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly connection: Redis) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions = {}): Promise<string> {
    const overrides: JobsOptions = {};
    if (options.jobId) overrides.jobId = options.jobId;
    if (options.priority) overrides.priority = options.priority;
    if (options.delayMs) overrides.delay = options.delayMs;
    const job = await this.queue(JOB_QUEUE[name]).add(name, payload, jobOptions(name, overrides));
    return job.id ?? '';
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection });
      this.queues.set(name, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/** Maps a service priority (1-1000, higher first) to BullMQ's (lower first). */
export function queuePriority(servicePriority: number): number {
  return 1001 - Math.min(1000, Math.max(1, Math.round(servicePriority)));
}
