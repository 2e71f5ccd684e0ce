import { loadConfig } from './config.loader';
import { connectRedis, sentinelOptions, splitHostList } from './connection-urls';

describe('multi-host connection URLs', () => {
  it('splits a Galera host list, keeping the rest of the URL for the first host', () => {
    expect(splitHostList('mysql://u:p%40w@10.0.0.1:3307,db2,[::1]:3309/haaas?x=1', 3306)).toEqual({
      hosts: [
        { host: '10.0.0.1', port: 3307 },
        { host: 'db2', port: 3306 },
        { host: '::1', port: 3309 },
      ],
      firstHostUrl: 'mysql://u:p%40w@10.0.0.1:3307/haaas?x=1',
    });
    expect(splitHostList('mysql://u@h:99999/db', 3306)).toBeUndefined();
    expect(splitHostList('mysql://u@h1,,h2/db', 3306)).toBeUndefined();
  });

  it('reads a redis-sentinel:// URL into ioredis Sentinel options', () => {
    const o = sentinelOptions('redis-sentinel://:s3cret@127.0.0.1:26379,127.0.0.1:26380/5?name=haaas&sentinelPassword=x');
    expect(o).toMatchObject({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      name: 'haaas',
      db: 5,
      password: 's3cret',
      sentinelPassword: 'x',
      failoverDetector: true,
    });
    expect(sentinelOptions('redis-sentinel://127.0.0.1:26379')).toBeUndefined(); // no master name
    expect(sentinelOptions('redis-sentinel://127.0.0.1:26379/x?name=m')).toBeUndefined();
    expect(sentinelOptions('redis://127.0.0.1:6379')).toBeUndefined();
    expect(() => connectRedis('redis-sentinel://h:1', { lazyConnect: true })).toThrow(/malformed redis-sentinel/);
    const client = connectRedis('redis-sentinel://h:1/2?name=m', { lazyConnect: true, connectionName: 'c' });
    expect(client.options).toMatchObject({ sentinels: [{ host: 'h', port: 1 }], name: 'm', db: 2, connectionName: 'c' });
    client.disconnect();
  });

  it('configuration accepts both forms, and keeps single-host defaults unchanged', () => {
    const env = { HAAAS_DB_URL: 'mysql://haaas:pw@127.0.0.1:3306,127.0.0.1:3307/haaas', HAAAS_REDIS_URL: 'redis-sentinel://127.0.0.1:26379,127.0.0.1:26380?name=haaas' };
    const c = loadConfig(env);
    expect(c.database).toMatchObject({ host: '127.0.0.1', port: 3306, database: 'haaas', user: 'haaas', hosts: [{ host: '127.0.0.1', port: 3306 }, { host: '127.0.0.1', port: 3307 }] });
    expect(c.database.url).toBe(env.HAAAS_DB_URL);
    expect(c.redis).toEqual({ url: env.HAAAS_REDIS_URL, sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }] });
    const plain = loadConfig({});
    expect(plain.database.hosts).toBeUndefined();
    expect(plain.redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(() => loadConfig({ HAAAS_REDIS_URL: 'redis-sentinel://127.0.0.1:26379' })).toThrow(/HAAAS_REDIS_URL.*redis-sentinel/);
  });
});
