import { JOB_QUEUE, JobName, JobPayloads, QueueName } from './jobs';

export interface JobContext {
  /** BullMQ job id (the idempotency key when the producer gave one). */
  readonly jobId: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /** Aborted when the worker shuts down: long steps should stop at a safe point. */
  readonly signal: AbortSignal;
  /** Reports progress (0-100) to the queue, for dashboards and the operation. */
  progress(percent: number): Promise<void>;
  /**
   * Puts the job back in the queue to run again in `delayMs`, without counting an attempt and
   * without holding a worker slot meanwhile (the job waits for something other jobs must do
   * first). Throws: the handler returns through it and must hold nothing it does not release.
   */
  retryLater(delayMs: number): Promise<never>;
}

export interface JobHandler<N extends JobName = JobName> {
  readonly job: N;
  handle(payload: JobPayloads[N], context: JobContext): Promise<void>;
}

/**
 * One handler per job, checked when the worker starts: a job without a handler (or with two)
 * stops the start-up instead of failing jobs at run time.
 */
export class JobRegistry {
  private readonly handlers = new Map<JobName, JobHandler>();

  register<N extends JobName>(handler: JobHandler<N>): this {
    if (this.handlers.has(handler.job)) throw new Error(`two handlers for job ${handler.job}`);
    this.handlers.set(handler.job, handler as unknown as JobHandler);
    return this;
  }

  /** Throws unless every job of `queues` has exactly one handler. */
  assertComplete(queues: readonly QueueName[]): void {
    const missing = (Object.keys(JOB_QUEUE) as JobName[]).filter((name) => queues.includes(JOB_QUEUE[name]) && !this.handlers.has(name));
    if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  }

  handler(name: string): JobHandler | undefined {
    return this.handlers.get(name as JobName);
  }

  get jobs(): JobName[] {
    return [...this.handlers.keys()];
  }
}
