import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '@haaas/devstack';

export interface TestDatabase {
  /** `mysql://root@127.0.0.1:PORT/NAME`: empty, utf8mb4, no migrations run. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * A new, uniquely named database on the test server (HAAAS_TEST_DB_URL, set by the jest global
 * setup), so test files never see each other's rows. Call it in beforeAll and drop() in afterAll.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env['HAAAS_TEST_DB_URL'];
  if (!adminUrl) throw new Error('HAAAS_TEST_DB_URL is not set: run the tests with jest (its global setup starts MariaDB)');
  const worker = process.env['JEST_WORKER_ID'] ?? '0';
  const name = `haaas_test_w${worker}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(adminUrl, name);
  return { url, name, drop: () => dropDatabase(adminUrl, name) };
}
