import { Redis } from 'ioredis';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';

// What every integration test relies on: the global setup's servers and a database per test file.
describe('test infrastructure', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(() => db.drop());

  it('gives each test file its own empty utf8mb4 database on the test server', async () => {
    expect(db.url).toBe(`${process.env['HAAAS_TEST_DB_URL']}/${db.name}`);
    const connection = await createConnection(db.url);
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS db, @@character_set_database AS cs, COUNT(*) AS tables FROM information_schema.tables WHERE table_schema = DATABASE()');
      expect(rows).toEqual([{ db: db.name, cs: 'utf8mb4', tables: 0 }]);
    } finally {
      await connection.end();
    }
    const other = await createTestDatabase();
    expect(other.name).not.toBe(db.name);
    await other.drop();
  });

  it('exposes Redis', async () => {
    const redis = new Redis(process.env['HAAAS_TEST_REDIS_URL'] ?? '');
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.quit();
    }
  });
});
