import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createDatabase, type GaleraCluster, type RedisSentinelSet, startGaleraCluster, startRedisSentinelSet } from '@haaas/devstack';
import type { LabRedisServer } from '../recovery-lab';
import type { ControlPlane } from './control-plane';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The campaign on the HA control plane (ADR 0015): a 3-node Galera cluster reached through the
 * product's multi-host URL and a Redis primary + replica behind 3 Sentinels. The same fault kinds
 * then mean: MARIADB_RESTART kills the Galera node the processes write to (and brings it back by
 * SST), REDIS_LOST kills the Redis primary (Sentinel promotes the replica; the killed server comes
 * back as a replica, so the next loss has one to promote).
 */
export async function haControlPlane(dir: string): Promise<ControlPlane> {
  chmodSync(dir, 0o755); // Galera's rsync SST daemon runs as nobody
  mkdirSync(join(dir, 'galera'), { recursive: true });
  const [galera, sentinel] = await Promise.all([startGaleraCluster({ dataDir: join(dir, 'galera') }), startRedisSentinelSet({ dataDir: join(dir, 'sentinel') })]);
  const dbName = 'haaas_chaos_ha';
  const single = await createDatabase(galera.nodes[0]?.url ?? '', dbName);
  const dbUrl = single.replace(/127\.0\.0\.1:\d+/, galera.url.replace(/^mysql:\/\/root@/, ''));
  let killedRedisPort: number | undefined;
  const redis: LabRedisServer = {
    url: sentinel.url,
    port: 0,
    async stop() {
      killedRedisPort = (await sentinel.killPrimary()).killedPort;
    },
  };
  return {
    dbUrl,
    async startRedis() {
      if (killedRedisPort !== undefined) await sentinel.revive(killedRedisPort);
      killedRedisPort = undefined;
      return redis;
    },
    async restartDatabase(downMs) {
      const victim = await writerIndex(galera, dbName);
      await galera.kill(victim);
      await sleep(downMs);
      await galera.restart(victim);
    },
    async close() {
      await Promise.all([stopQuietly(sentinel), galera.stop()]);
    },
  };
}

/** The node with the most connections to the campaign's database: the one the processes write to. */
async function writerIndex(galera: GaleraCluster, dbName: string): Promise<number> {
  const counts = await Promise.all(
    galera.nodes.map(async (node) => {
      if (!node.running()) return -1;
      const c = await createConnection({ uri: node.url, connectTimeout: 2_000 }).catch(() => undefined);
      if (!c) return -1;
      try {
        const [rows] = await c.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [dbName]);
        return Number((rows as { n: number }[])[0]?.n ?? 0);
      } finally {
        await c.end();
      }
    }),
  );
  const best = counts.indexOf(Math.max(...counts));
  if (best < 0 || (counts[best] ?? -1) < 0) throw new Error('no Galera node answers');
  return best;
}

async function stopQuietly(set: RedisSentinelSet): Promise<void> {
  await set.stop().catch(() => undefined);
}
