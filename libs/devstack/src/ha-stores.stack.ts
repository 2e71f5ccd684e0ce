import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type GaleraCluster, startGaleraCluster } from './galera.server';
import { createDatabase } from './mariadb.admin';
import { type RedisSentinelSet, startRedisSentinelSet } from './redis-sentinel.server';

/** The HA control plane's stores (ADR 0015): a 3-node Galera cluster and Redis behind Sentinels. */
export interface HaStores {
  readonly galera: GaleraCluster;
  readonly sentinel: RedisSentinelSet;
  /** Creates the database and returns its URL in the product's multi-host form (every Galera node). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts both under `dataDir`, which must be readable by others: Galera's rsync SST daemon runs as nobody. */
export async function startHaStores(options: { readonly dataDir: string }): Promise<HaStores> {
  mkdirSync(options.dataDir, { recursive: true });
  chmodSync(options.dataDir, 0o755);
  const [galera, sentinel] = await Promise.all([startGaleraCluster({ dataDir: join(options.dataDir, 'galera') }), startRedisSentinelSet({ dataDir: join(options.dataDir, 'redis') })]);
  const hosts = galera.url.replace(/^mysql:\/\/root@/, '');
  return {
    galera,
    sentinel,
    async createDatabase(name) {
      const single = await createDatabase(galera.nodes[0]?.url ?? '', name);
      return single.replace(/127\.0\.0\.1:\d+/, hosts);
    },
    async stop() {
      await Promise.all([sentinel.stop().catch(() => undefined), galera.stop()]);
    },
  };
}
