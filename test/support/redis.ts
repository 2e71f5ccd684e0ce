/**
 * A database of the test Redis (HAAAS_TEST_REDIS_URL, set by the jest global setup) of its own for a
 * test file that runs BullMQ workers, so no other file's workers take its jobs. The server has 64
 * databases; `grep -rn 'testRedisUrl(' test libs sdk` shows which are taken.
 */
export function testRedisUrl(db: number): string {
  const base = process.env['HAAAS_TEST_REDIS_URL'];
  if (!base) throw new Error('HAAAS_TEST_REDIS_URL is not set: run the tests with jest (its global setup starts Redis)');
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}
