import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { type GaleraCluster, startHaStores } from '@haaas/devstack';
import type { LabRedisServer } from '../recovery-lab';
import type { ControlPlane } from './control-plane';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The campaign on the HA control plane (ADR 0015): a 3-node Galera cluster reached through the
 * product's multi-host URL and a Redis primary + replica behind 3 Sentinels. The same fault kinds
 * then mean: MARIADB_RESTART kills the Galera node the processes write to (and brings it back by
 * SST or IST; the round records when it is SYNCED and the cluster back at 3), REDIS_LOST kills the Redis primary (Sentinel promotes the replica; the killed server comes
 * back as a replica, so the next loss has one to promote).
 */
export async function haControlPlane(dir: string): Promise<ControlPlane> {
  chmodSync(dir, 0o755); // the Galera nodes run as the mysql user: it must reach their datadirs
  const stores = await startHaStores({ dataDir: join(dir, 'ha') });
  const { galera, sentinel } = stores;
  const dbName = 'haaas_chaos_ha';
  const dbUrl = await stores.createDatabase(dbName);
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
      const killed = Date.now();
      await galera.kill(victim);
      // as an operator would: start it once the survivors have evicted it (the smaller cluster),
      // then the fault's own downtime; it rejoins by state transfer from a survivor
      await untilClusterSize(galera, victim, (size) => size <= galera.nodes.length - 1);
      await sleep(downMs);
      await galera.restart(victim); // resolves once it is Synced in the primary component
      await untilClusterSize(galera, -1, (size) => size === galera.nodes.length);
      return { back: `Galera node SYNCED, cluster size ${galera.nodes.length}`, backMs: Date.now() - killed };
    },
    async close() {
      await stores.stop();
    },
  };
}

/** Until a running node other than `except` reports a cluster size that `ok` accepts. */
async function untilClusterSize(galera: GaleraCluster, except: number, ok: (size: number) => boolean, timeoutMs = 30_000): Promise<void> {
  const survivor = galera.nodes.find((n, i) => i !== except && n.running());
  if (!survivor) throw new Error('no Galera node left running');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const c = await createConnection({ uri: survivor.url, connectTimeout: 2_000 }).catch(() => undefined);
    if (c) {
      try {
        const [rows] = await c.query("SHOW STATUS LIKE 'wsrep_cluster_size'");
        if (ok(Number((rows as { Value: string }[])[0]?.Value))) return;
      } finally {
        await c.end();
      }
    }
    await sleep(200);
  }
  throw new Error(`the Galera cluster size did not reach the expected value within ${timeoutMs} ms`);
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
