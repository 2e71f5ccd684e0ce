import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { isPortOpen } from './free-port.util';
import { type LocalInfra, startLocalInfra } from './local-infra.stack';
import { createDatabase, dropDatabase } from './mariadb.admin';
import { startMariaDb } from './mariadb.server';

// Real servers in a temp dir on free ports: what `npm start` and the jest global setup rely on.
describe('startLocalInfra (real MariaDB and Redis)', () => {
  let dir: string;
  let infra: LocalInfra | undefined;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'haaas-devstack-int-'))));
  afterAll(async () => {
    await infra?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (url: string, sql: string): Promise<RowDataPacket[]> => {
    const connection = await createConnection(url);
    try {
      return (await connection.query<RowDataPacket[]>(sql))[0];
    } finally {
      await connection.end();
    }
  };

  it('starts both, answers a query and a PING, and closes the ports on stop', async () => {
    infra = await startLocalInfra({ dataDir: dir, env: {}, database: 'haaas_dev' });
    const dbPort = Number(new URL(infra.dbUrl).port);
    const redisPort = Number(new URL(infra.redisUrl).port);
    expect(infra.dbUrl).toBe(`mysql://root@127.0.0.1:${dbPort}/haaas_dev`);
    expect(infra.redisUrl).toBe(`redis://127.0.0.1:${redisPort}`);

    expect(await query(infra.dbUrl, 'SELECT 1 AS one, @@character_set_server AS cs, @@collation_server AS co, DATABASE() AS db')).toEqual([
      { one: 1, cs: 'utf8mb4', co: 'utf8mb4_unicode_ci', db: 'haaas_dev' },
    ]);
    await query(infra.dbUrl, 'CREATE TABLE kept (id INT PRIMARY KEY)');
    await query(infra.dbUrl, 'INSERT INTO kept VALUES (42)');

    const redis = new Redis(infra.redisUrl);
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();

    // A second start for the same datadir reuses the running server and leaves it running.
    const again = await startMariaDb({ dataDir: join(dir, 'mariadb') });
    expect(again).toMatchObject({ reused: true, port: dbPort });
    await again.stop();
    expect(await isPortOpen(dbPort)).toBe(true);

    await infra.stop();
    infra = undefined;
    expect(await isPortOpen(dbPort)).toBe(false);
    expect(await isPortOpen(redisPort)).toBe(false);
  });

  it('keeps the data of a datadir across restarts, and creates and drops databases', async () => {
    infra = await startLocalInfra({ dataDir: dir, env: {} });
    const adminUrl = infra.dbUrl;
    expect(await query(`${adminUrl}/haaas_dev`, 'SELECT id FROM kept')).toEqual([{ id: 42 }]);

    const url = await createDatabase(adminUrl, 'haaas_tmp');
    expect(await query(url, 'SELECT @@character_set_database AS cs')).toEqual([{ cs: 'utf8mb4' }]);
    await dropDatabase(adminUrl, 'haaas_tmp');
    expect(await query(adminUrl, "SHOW DATABASES LIKE 'haaas_tmp'")).toEqual([]);
  });
});
