import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDatabase, dropDatabase, type LocalServer, startMariaDb, startRedis } from '@haaas/devstack';
import type { StartRedis } from '../recovery-lab';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How a MARIADB_RESTART went: how long from the stop (or kill) until the database was whole again. */
export interface DatabaseRestart {
  /** What "back" means on this topology (the server answering; a Galera node SYNCED with the cluster at full size). */
  readonly back: string;
  readonly backMs: number;
}

/**
 * The control plane's stores the campaign runs on and faults. The default is one MariaDB and one
 * Redis of the campaign's own; another topology (Galera, Sentinel) passes its own.
 */
export interface ControlPlane {
  readonly dbUrl: string;
  /** Starts the lab's Redis; called again (same data dir and port) after REDIS_LOST stopped it. */
  readonly startRedis: StartRedis;
  /** MARIADB_RESTART: the database (or one node of it) stopped, down for `downMs`, started again. */
  restartDatabase(downMs: number): Promise<DatabaseRestart>;
  close(): Promise<void>;
}

/** The default stores: one MariaDB and one Redis in the campaign's dir, both restartable in place. */
export async function singleControlPlane(dir: string): Promise<ControlPlane> {
  let mariadb: LocalServer = await startMariaDb({ dataDir: join(dir, 'mariadb') });
  const dbName = `haaas_chaos_${randomBytes(4).toString('hex')}`;
  const dbUrl = await createDatabase(mariadb.url, dbName);
  return {
    dbUrl,
    startRedis,
    async restartDatabase(downMs) {
      const db = mariadb;
      const stopped = Date.now();
      await db.stop();
      await sleep(downMs);
      mariadb = await startMariaDb({ dataDir: db.dataDir, port: db.port });
      return { back: 'MariaDB answering', backMs: Date.now() - stopped };
    },
    async close() {
      await dropDatabase(mariadb.url, dbName).catch(() => undefined);
      await mariadb.stop();
    },
  };
}
