/**
 * `npm run bench live-wakeup`: how long an event written outside the API (a plain transaction, as
 * the detector and the recovery engine write) takes from its commit to a `clusterEvents`
 * subscriber, with the after-commit wake-up (LiveCommitBridge) and without it (the feed's
 * fallback poll, 2 s by default). Real MariaDB and Redis started for the run; the feed's Store and
 * Redis connections are separate from the writer's, as on another replica. Prints figures; it
 * asserts nothing about time. Environment: BENCH_SAMPLES (default 20 per mode).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { createDatabase, startLocalInfra } from '@haaas/devstack';
import { DEFAULT_TENANT_QUOTA, Hypervisor, SystemActor, TenantScope } from '@haaas/domain';
import { ClusterEventFeed, LiveCommitBridge, LiveSignalListener, LiveSignalPublisher } from '@haaas/operations';
import { appendEvent, ClusterService, QuotaService } from '@haaas/management';
import { openDataSource, runMigrations, Store } from '@haaas/persistence';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const scope = TenantScope.system('bench', SystemActor.Recovery);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(1)} ms, p50 ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'haaas-bench-'));
  const infra = await startLocalInfra({ dataDir: dir });
  try {
    const dbUrl = await createDatabase(infra.dbUrl, `haaas_bench_live_${Date.now()}`);
    await runMigrations({ url: dbUrl });
    const writerDs = await openDataSource({ url: dbUrl });
    const readerDs = await openDataSource({ url: dbUrl });
    const writer = new Store(writerDs);
    const reader = new Store(readerDs);
    const pub = new Redis(infra.redisUrl);
    const sub = new Redis(infra.redisUrl);
    const bridge = new LiveCommitBridge(writer, new LiveSignalPublisher(pub));
    const feed = new ClusterEventFeed(reader, new LiveSignalListener(sub), { pollMs: 2000 });
    const clusterId = (await new ClusterService(writer, new QuotaService(DEFAULT_TENANT_QUOTA)).create(scope, { name: 'bench', hypervisor: Hypervisor.KVM })).id;
    const queue = await feed.subscribe(scope, clusterId);

    const measure = async (label: string, maxPauseMs: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        // a random pause up to the poll period: commits land anywhere between two polls
        await new Promise((r) => setTimeout(r, Math.random() * maxPauseMs));
        await writer.transaction((repos) => appendEvent(repos, scope, { clusterId, type: 'cluster.attributes_changed', message: `bench.${label}`, objectType: 'Cluster', objectId: clusterId }));
        const committed = performance.now();
        const next = await queue.next();
        if (next.done) throw new Error('the feed ended');
        out.push(performance.now() - committed);
      }
      return out;
    };

    bridge.start();
    const woken = await measure('woken', 200);
    bridge.close();
    const polled = await measure('polled', 2000);
    console.log(`live-wakeup: commit -> clusterEvents subscriber, ${SAMPLES} events each (writer and feed on separate connections)`);
    console.log(`  after-commit wake-up (LiveCommitBridge): ${stats(woken)}`);
    console.log(`  no wake-up, fallback poll every 2 s:       ${stats(polled)}`);
    console.log(`  ratio of means: ${(polled.reduce((a, b) => a + b, 0) / Math.max(1e-9, woken.reduce((a, b) => a + b, 0))).toFixed(0)}x`);

    await queue.return();
    feed.close();
    await pub.quit();
    await sub.quit();
    await writerDs.destroy();
    await readerDs.destroy();
  } finally {
    await infra.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
