import { splitHostList } from '@haaas/config';
import { DataSource, DataSourceOptions } from 'typeorm';
import { HostFailover } from './host-failover.stream';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { CountingLogger } from './query-counter';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export interface DatabaseOptions {
  /** mysql://user:password@host:port/database, or with several hosts (a Galera cluster): host1:port,host2:port */
  readonly url: string;
  readonly logSql?: boolean;
  readonly poolSize?: number;
}

export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  const split = splitHostList(options.url, 3306);
  const failover = split && split.hosts.length > 1 ? new HostFailover(split.hosts) : undefined;
  return {
    // MariaDB's dialect: its JSON and defaults differ from MySQL's, and schema diffs must be exact
    type: 'mariadb',
    url: failover && split ? split.firstHostUrl : options.url,
    // several hosts: every connection reaches one of them through the failover stream
    ...(failover ? { extra: { stream: () => failover.open() } } : {}),
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // schema changes happen only through reviewed migrations, never from the entities at start-up
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: true,
    logger: new CountingLogger(options.logSql ?? false),
    poolSize: options.poolSize ?? 20,
    // dates are stored as UTC DATETIME(3); mysql2 must not shift them
    dateStrings: false,
    supportBigNumbers: true,
  };
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource(dataSourceOptions(options));
}

const UTC = "SET time_zone = '+00:00'";

/**
 * Creates and connects a data source whose every connection runs in UTC. Dates go over the wire
 * as UTC (`timezone: 'Z'`), but column defaults (CURRENT_TIMESTAMP) use the session's time zone,
 * which on a server not set to UTC would shift `created_at` and event times by hours.
 */
export async function openDataSource(options: DatabaseOptions): Promise<DataSource> {
  const ds = createDataSource(options);
  await ds.initialize();
  const pool = (ds.driver as unknown as { pool?: { on(event: 'connection', fn: (c: { query(sql: string): unknown }) => void): void } }).pool;
  // new connections from now on; the one the driver opened to check the credentials is the only
  // one in the pool yet, so the query below reaches it
  pool?.on('connection', (connection) => connection.query(UTC));
  await ds.query(UTC);
  return ds;
}

/** Applies pending migrations (each in its own transaction where MySQL allows) and returns their names. */
export async function runMigrations(options: DatabaseOptions): Promise<string[]> {
  const ds = await openDataSource(options);
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** SQL that would bring the database in line with the entities; empty when migrations and entities agree. */
export async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}
