import { join, resolve } from 'node:path';
import { ensureDebianPackages } from './debian.packages';
import { type LocalServer } from './local.server';
import { type Log, silent } from './log.util';
import { createDatabase } from './mariadb.admin';
import { startMariaDb } from './mariadb.server';
import { startRedis } from './redis.server';

export interface LocalInfraOptions {
  /** MariaDB goes to `<dataDir>/mariadb`, Redis to `<dataDir>/redis`. */
  dataDir: string;
  log?: Log;
  /** Where HAAAS_DB_URL and HAAAS_REDIS_URL are read; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** When set, this database is created (if missing) on a MariaDB we start, and dbUrl points to it. */
  database?: string;
  mariaDbPort?: number;
  redisPort?: number;
}

export interface LocalInfra {
  /** HAAAS_DB_URL when set, else the started MariaDB (`mysql://root@127.0.0.1:PORT[/database]`). */
  readonly dbUrl: string;
  /** HAAAS_REDIS_URL when set, else the started Redis (`redis://127.0.0.1:PORT`). */
  readonly redisUrl: string;
  /** Stops what was started here (nothing for URLs given by the environment). Idempotent. */
  stop(): Promise<void>;
}

/**
 * MariaDB and Redis for development and tests: uses HAAAS_DB_URL / HAAAS_REDIS_URL when set,
 * otherwise installs the Debian packages if needed and starts local servers (in parallel).
 */
export async function startLocalInfra(options: LocalInfraOptions): Promise<LocalInfra> {
  const env = options.env ?? process.env;
  const log = options.log ?? silent;
  const dataDir = resolve(options.dataDir);
  const givenDb = env['HAAAS_DB_URL'] || undefined;
  const givenRedis = env['HAAAS_REDIS_URL'] || undefined;
  await ensureDebianPackages([...(givenDb ? [] : ['mariadb-server']), ...(givenRedis ? [] : ['redis-server'])], { log });

  const [db, redis] = await Promise.allSettled([
    givenDb ? undefined : startMariaDb({ dataDir: join(dataDir, 'mariadb'), port: options.mariaDbPort, log }),
    givenRedis ? undefined : startRedis({ dataDir: join(dataDir, 'redis'), port: options.redisPort, log }),
  ]);
  const started = [db, redis].flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= Promise.all(started.map((s: LocalServer) => s.stop())).then(() => undefined));
  try {
    if (db.status === 'rejected') throw db.reason;
    if (redis.status === 'rejected') throw redis.reason;
    let dbUrl = givenDb ?? db.value?.url ?? '';
    if (!givenDb && options.database) dbUrl = await createDatabase(dbUrl, options.database);
    return { dbUrl, redisUrl: givenRedis ?? redis.value?.url ?? '', stop };
  } catch (error) {
    await stop(); // whatever did come up must not outlive the failed start
    throw error;
  }
}
