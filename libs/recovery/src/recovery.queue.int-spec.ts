import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { type LocalServer, startRedis } from '@haaas/devstack';
import { Incident, IncidentState, RtoOutcome, ServiceRecovery, ServiceRecoveryState } from '@haaas/domain';
import { JobProducer, QUEUES, queuePriority } from '@haaas/queue';
import { RecoveryQueue, serviceJobId } from './recovery.queue';

const recovery = (serviceId: string, priority: number, state: ServiceRecoveryState): ServiceRecovery => ({
  serviceId,
  priority,
  state,
  reason: null,
  plannedNodeId: null,
  targetNodeId: null,
  triedNodeIds: [],
  attempts: 0,
  targetAttempts: 0,
  maxRelocations: 1,
  retryAtMs: null,
  startedAtMs: null,
  recoveredAtMs: null,
  timeToRecoverMs: null,
  rtoSeconds: null,
  rto: RtoOutcome.NONE,
});

/** Queuing of service jobs on a Redis of its own (no other test's workers take its jobs). */
describe('RecoveryQueue', () => {
  let dir: string;
  let server: LocalServer;
  let redis: Redis;
  let producer: JobProducer;
  let queue: RecoveryQueue;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haaas-rq-'));
    server = await startRedis({ dataDir: dir });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    producer = new JobProducer(redis);
    queue = new RecoveryQueue(producer);
  });
  afterAll(async () => {
    await producer?.close();
    await redis?.quit();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const incident = (services: ServiceRecovery[]): Incident =>
    ({ id: 'inc1', nodeId: 'a', state: IncidentState.RECOVERING, services }) as unknown as Incident;

  it('queues admitted, unsettled services once each, by priority, and revives a job that gave up', async () => {
    const i = incident([
      recovery('s-placing', 900, ServiceRecoveryState.PLACING),
      recovery('s-retrying', 900, ServiceRecoveryState.RETRYING),
      recovery('s-pending', 500, ServiceRecoveryState.PENDING),
      recovery('s-running', 900, ServiceRecoveryState.RUNNING),
    ]);
    expect(await queue.enqueueServices('t', i)).toBe(2);
    expect(await queue.enqueueServices('t', i)).toBe(2);
    const q = producer.queue(QUEUES.recovery);
    const waiting = await q.getJobs(['waiting', 'prioritized']);
    expect(waiting.map((j) => j.id).sort()).toEqual([serviceJobId('inc1', 's-placing'), serviceJobId('inc1', 's-retrying')]);
    expect(waiting.every((j) => j.opts.priority === queuePriority(900))).toBe(true);

    // the job of s-placing runs out of attempts (as through a long outage)
    const worker = new Worker(
      QUEUES.recovery,
      async (job) => {
        if (job.id === serviceJobId('inc1', 's-placing')) throw new UnrecoverableError('database unreachable');
      },
      { connection: redis, concurrency: 2 },
    );
    const failedJob = await q.getJob(serviceJobId('inc1', 's-placing'));
    const until = Date.now() + 10_000;
    while (!(await failedJob?.isFailed())) {
      if (Date.now() > until) throw new Error('the job did not fail');
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.close();

    // the rows still say the service needs recovering: queuing it again revives the job, with fresh attempts
    await queue.enqueueServices('t', incident([recovery('s-placing', 900, ServiceRecoveryState.PLACING)]));
    const revived = await q.getJob(serviceJobId('inc1', 's-placing'));
    expect(await revived?.getState()).toMatch(/^(waiting|prioritized)$/);
    expect(revived?.attemptsMade).toBe(0);
  });
});
