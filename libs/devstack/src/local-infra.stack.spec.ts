import { startLocalInfra } from './local-infra.stack';

describe('startLocalInfra', () => {
  it('starts nothing when both URLs come from the environment', async () => {
    const env = { HAAAS_DB_URL: 'mysql://app@db.example:3306/haaas', HAAAS_REDIS_URL: 'redis://cache.example:6379' };
    const infra = await startLocalInfra({ dataDir: '/nonexistent/never-created', env });
    expect(infra.dbUrl).toBe(env.HAAAS_DB_URL);
    expect(infra.redisUrl).toBe(env.HAAAS_REDIS_URL);
    await expect(infra.stop()).resolves.toBeUndefined();
  });
});
