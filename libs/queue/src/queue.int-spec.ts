import Redis from 'ioredis';
import { JobRegistry } from './job.registry';
import { JobProducer, queuePriority } from './job.producer';
import { startWorkers } from './job.workers';
import { JobPayloads, QUEUES } from './jobs';

describe('queues on Redis', () => {
  let redis: Redis;
  let producer: JobProducer;

  beforeAll(async () => {
    const url = process.env['HAAAS_TEST_REDIS_URL'];
    if (!url) throw new Error('HAAAS_TEST_REDIS_URL is not set');
    // BullMQ workers block on Redis: their connection must not give up on a request
    redis = new Redis(url, { maxRetriesPerRequest: null, keyPrefix: undefined });
    await redis.flushdb();
    producer = new JobProducer(redis);
  });
  afterAll(async () => {
    await producer?.close();
    await redis?.quit();
  });

  it('refuses to start workers when a job of their queues has no handler', () => {
    const registry = new JobRegistry().register({ job: 'incident.recover', handle: async () => undefined });
    expect(() => startWorkers(redis, [QUEUES.recovery], registry)).toThrow(/service\.recover/);
    expect(() => registry.register({ job: 'incident.recover', handle: async () => undefined })).toThrow(/two handlers/);
  });

  it('keeps one job per idempotency key and runs it once, in priority order', async () => {
    const seen: JobPayloads['service.recover'][] = [];
    const registry = new JobRegistry()
      .register({ job: 'incident.recover', handle: async () => undefined })
      .register({ job: 'service.recover', handle: async (p) => void seen.push(p) });
    // enqueued before any worker runs, so the order they run in is the queue's, by priority
    const ids = await Promise.all([
      producer.enqueue('service.recover', { tenantId: 't', incidentId: 'i', serviceId: 'low' }, { jobId: 'i.low', priority: queuePriority(10) }),
      producer.enqueue('service.recover', { tenantId: 't', incidentId: 'i', serviceId: 'high' }, { jobId: 'i.high', priority: queuePriority(900) }),
      producer.enqueue('service.recover', { tenantId: 't', incidentId: 'i', serviceId: 'high' }, { jobId: 'i.high', priority: queuePriority(900) }),
    ]);
    expect(ids).toEqual(['i.low', 'i.high', 'i.high']);
    const [worker] = startWorkers(redis, [QUEUES.recovery], registry, { concurrency: 1 });
    const until = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would have run by now
    await worker?.close();
    expect(seen.map((p) => p.serviceId)).toEqual(['high', 'low']);
  });
});
