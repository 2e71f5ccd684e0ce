/**
 * A failure detector as a process of its own, for the fault campaign
 * (`node tools/run.js libs/detector/src/testing/detector.entry.ts`): the FailureDetector the worker
 * app runs (DetectorModule), on the campaign's database and Redis, so that it can be killed and
 * frozen like any other process. Several may run: the lease makes one of them detect.
 * Environment: HAAAS_DB_URL, HAAAS_REDIS_URL (redis:// or redis-sentinel://), DETECTOR_HOLDER (its
 * name in the lease). The timings are the campaign's, quicker than the defaults (detector.options.ts):
 * a killed leader is replaced within a round, and a node that rejoined after its fence (host `a`,
 * failed every round) is watched again after 1 s instead of the 60 s boot grace.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { connectRedis } from '@haaas/config';
import { DEFAULT_TENANT_QUOTA } from '@haaas/domain';
import { hypervisorAdapters } from '@haaas/engine-runtime';
import { HeartbeatStore } from '@haaas/heartbeats';
import { NodeService, QuotaService } from '@haaas/management';
import { openDataSource, Store } from '@haaas/persistence';
import { JobProducer } from '@haaas/queue';
import { FailureDetector } from '../failure-detector';

async function main(): Promise<void> {
  const dbUrl = process.env['HAAAS_DB_URL'];
  const redisUrl = process.env['HAAAS_REDIS_URL'];
  const holder = process.env['DETECTOR_HOLDER'] ?? `detector-${process.pid}`;
  if (!dbUrl || !redisUrl) throw new Error('HAAAS_DB_URL and HAAAS_REDIS_URL are required');
  const ds = await openDataSource({ url: dbUrl, poolSize: 4 });
  const store = new Store(ds);
  // connections of its own, failing fast, as DetectorModule opens them
  const redis = (name: string) => {
    const c = connectRedis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 3000, connectionName: name });
    c.on('error', () => undefined); // Redis restarted or failed over on purpose: ioredis reconnects, the detector logs what failed
    return c;
  };
  // lab nodes have no endpoint secrets: an identity sealer
  const nodes = new NodeService(store, new QuotaService(DEFAULT_TENANT_QUOTA), { seal: (s) => s, open: (s) => s });
  const producer = new JobProducer(redis('haaas-detector-producer'));
  const detector = new FailureDetector(
    { store, heartbeats: new HeartbeatStore(redis('haaas-heartbeats')), nodes, adapters: hypervisorAdapters(), redis: redis('haaas-detector'), producer, logger: new Logger(`detector ${holder}`) },
    { holder, tickMs: 500, leaseMs: 3000, renewEveryMs: 900, inventoryTtlMs: 500, clusterListTtlMs: 1000, reconcileEveryTicks: 4, detection: { bootGraceSeconds: 1, reprobeSeconds: 1 } },
  );
  detector.start();
  const stop = async (): Promise<void> => {
    await detector.stop();
    await producer.close();
    await ds.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  console.log(`detector ready (${holder}, pid ${process.pid})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
