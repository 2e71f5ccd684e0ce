import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { DEFAULT_TENANT_QUOTA } from '@haaas/domain';
import { ConfigError, loadConfig } from './config.loader';
import { checkJwtConfig } from './jwt-config.checks';
import { DEV_JWT_SECRET, DEV_SECRET_KEY_BASE64 } from './dev-defaults.constants';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const key32 = (): string => randomBytes(32).toString('base64');
const strongSecret = 'x'.repeat(40);

/** A complete production environment; tests remove or change one thing at a time. */
function prodEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    HAAAS_DB_URL: 'mysql://app:s%40cret@db.internal:3307/haaas',
    HAAAS_REDIS_URL: 'redis://redis.internal:6379/0',
    HAAAS_JWT_ALGORITHMS: 'HS256',
    HAAAS_JWT_SECRET: strongSecret,
    HAAAS_JWT_ISSUER: 'https://id.example.com',
    HAAAS_SECRET_KEYS: `k1:${key32()},k2:${key32()}`,
    HAAAS_SECRET_KEY_ID: 'k2',
    HAAAS_METRICS_TOKEN: 'm'.repeat(24),
    ...overrides,
  };
}

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives a working development configuration from an empty environment', () => {
    const c = loadConfig({});
    expect(c.nodeEnv).toBe('development');
    expect(c.production).toBe(false);
    expect(c.http).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(c.database).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'haaas', database: 'haaas', logSql: false });
    expect(c.jwt).toMatchObject({ algorithms: ['HS256'], issuer: 'haaas-dev', audience: 'haaas', key: { kind: 'secret', secret: DEV_JWT_SECRET, isDevSecret: true } });
    expect(c.secrets.activeKeyId).toBe('dev');
    expect(Buffer.from(c.secrets.keys.get('dev') ?? []).toString('base64')).toBe(DEV_SECRET_KEY_BASE64);
    expect(c.quota).toEqual(DEFAULT_TENANT_QUOTA);
  });

  it('reads a full production configuration', () => {
    const c = loadConfig(prodEnv({ HAAAS_HTTP_PORT: '8080', HAAAS_HTTP_HOST: '0.0.0.0', HAAAS_LOG_SQL: 'true', HAAAS_QUOTA_MAX_NODES: '7' }));
    expect(c.production).toBe(true);
    expect(c.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.database).toMatchObject({ host: 'db.internal', port: 3307, user: 'app', password: 's@cret', database: 'haaas', logSql: true });
    expect(c.jwt.key).toEqual({ kind: 'secret', secret: strongSecret, isDevSecret: false });
    expect(c.secrets.activeKeyId).toBe('k2');
    expect([...c.secrets.keys.keys()]).toEqual(['k1', 'k2']);
    expect(c.quota).toEqual({ ...DEFAULT_TENANT_QUOTA, maxNodes: 7 });
  });

  it('reads the metrics settings: open in development, a token required in production unless turned off', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, workerPort: 9465, workerHost: '127.0.0.1', objectLabels: false });
    expect(loadConfig({ NODE_ENV: 'test' }).metrics?.workerPort).toBe(0);
    expect(loadConfig(prodEnv({ HAAAS_WORKER_METRICS_PORT: '9100', HAAAS_METRICS_OBJECT_LABELS: 'true' })).metrics).toEqual({ enabled: true, token: 'm'.repeat(24), workerPort: 9100, workerHost: '127.0.0.1', objectLabels: true });
    expect(problemsOf(prodEnv({ HAAAS_METRICS_TOKEN: undefined }))).toEqual([expect.stringMatching(/^HAAAS_METRICS_TOKEN: is required when NODE_ENV=production/)]);
    expect(loadConfig(prodEnv({ HAAAS_METRICS_TOKEN: undefined, HAAAS_METRICS: 'false' })).metrics?.enabled).toBe(false);
    expect(problemsOf({ HAAAS_METRICS_TOKEN: 'short' })).toEqual([expect.stringMatching(/at least 16 characters/)]);
  });

  it('refuses production with development defaults, listing every problem at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['HAAAS_DB_URL', 'HAAAS_REDIS_URL', 'HAAAS_JWT_ALGORITHMS', 'HAAAS_JWT_ISSUER', 'HAAAS_SECRET_KEYS', 'HAAAS_SECRET_KEY_ID']) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/invalid configuration \(\d+ problems\)/);
  });

  it('refuses the development secret, issuer and key in production', () => {
    expect(problemsOf(prodEnv({ HAAAS_JWT_SECRET: DEV_JWT_SECRET }))).toEqual([expect.stringMatching(/^HAAAS_JWT_SECRET: the development secret/)]);
    expect(problemsOf(prodEnv({ HAAAS_JWT_ISSUER: 'haaas-dev' }))).toEqual([expect.stringMatching(/^HAAAS_JWT_ISSUER/)]);
    expect(problemsOf(prodEnv({ HAAAS_SECRET_KEYS: `k2:${DEV_SECRET_KEY_BASE64}` }))).toEqual([
      expect.stringMatching(/development key/),
      expect.stringMatching(/^HAAAS_SECRET_KEY_ID: "k2" is not an id/),
    ]);
  });

  it('requires an explicit HS secret of at least 32 bytes in production', () => {
    expect(problemsOf(prodEnv({ HAAAS_JWT_SECRET: undefined }))).toEqual([expect.stringMatching(/^HAAAS_JWT_SECRET: is required/)]);
    expect(problemsOf(prodEnv({ HAAAS_JWT_SECRET: 'short' }))).toEqual([expect.stringMatching(/at least 32 bytes/)]);
  });

  it('never accepts "none" and refuses unknown algorithms', () => {
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'none' })).toContainEqual(expect.stringMatching(/"none".*never accepted/));
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'HS256,NONE' })).toContainEqual(expect.stringMatching(/never accepted/));
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'HS999' })).toContainEqual(expect.stringMatching(/"HS999" is not a supported/));
  });

  it('refuses HMAC mixed with public-key algorithms, and a secret with public-key algorithms', () => {
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'HS256,RS256' })).toContainEqual(expect.stringMatching(/cannot be mixed/));
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'RS256', HAAAS_JWT_SECRET: strongSecret })).toContainEqual(expect.stringMatching(/lists public-key algorithms/));
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'HS256', HAAAS_JWT_PUBLIC_KEYS: rsaPem })).toContainEqual(expect.stringMatching(/lists HMAC/));
    expect(problemsOf({ HAAAS_JWT_PUBLIC_KEYS: rsaPem, HAAAS_JWT_SECRET: strongSecret })).toContainEqual(expect.stringMatching(/only one key source/));
  });

  it('reads several PEM public keys, also with escaped newlines, and checks they fit the algorithms', () => {
    const c = loadConfig({ HAAAS_JWT_ALGORITHMS: 'RS256,ES256', HAAAS_JWT_PUBLIC_KEYS: `${rsaPem}\n${ecPem.replace(/\n/g, '\\n')}` });
    expect(c.jwt.key.kind === 'public-keys' && c.jwt.key.publicKeys.length).toBe(2);
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'ES384', HAAAS_JWT_PUBLIC_KEYS: ecPem })).toEqual([expect.stringMatching(/key #1 \(ec prime256v1\) fits none of ES384/)]);
    expect(problemsOf({ HAAAS_JWT_ALGORITHMS: 'RS256', HAAAS_JWT_PUBLIC_KEYS: 'not a pem' })).toEqual([expect.stringMatching(/no PEM block/)]);
    expect(problemsOf({ HAAAS_JWT_PUBLIC_KEYS: rsaPem })).toEqual([expect.stringMatching(/^HAAAS_JWT_ALGORITHMS: is required with/)]);
  });

  it('accepts a JWKS URL, https only in production', () => {
    expect(loadConfig({ HAAAS_JWT_ALGORITHMS: 'RS256', HAAAS_JWT_JWKS_URL: 'http://127.0.0.1:9/jwks' }).jwt.key).toEqual({ kind: 'jwks', jwksUrl: 'http://127.0.0.1:9/jwks' });
    const env = prodEnv({ HAAAS_JWT_SECRET: undefined, HAAAS_JWT_ALGORITHMS: 'RS256', HAAAS_JWT_JWKS_URL: 'http://id.example.com/jwks' });
    expect(problemsOf(env)).toEqual([expect.stringMatching(/https:\/\/ in production/)]);
  });

  it('validates the keyring', () => {
    expect(problemsOf({ HAAAS_SECRET_KEYS: 'a:short', HAAAS_SECRET_KEY_ID: 'a' })).toEqual([
      expect.stringMatching(/entry #1: key "a" must be 32 bytes/),
      expect.stringMatching(/^HAAAS_SECRET_KEY_ID: "a" is not an id/),
    ]);
    expect(problemsOf({ HAAAS_SECRET_KEYS: `bad.id:${key32()}` })).toEqual([expect.stringMatching(/entry #1: must be "<id>:<base64 key>"/)]);
    const k = key32();
    expect(problemsOf({ HAAAS_SECRET_KEYS: `a:${k},a:${k}` })).toEqual([expect.stringMatching(/appears twice/)]);
    // outside production the development key stays readable next to configured ones
    const c = loadConfig({ HAAAS_SECRET_KEYS: `a:${k}`, HAAAS_SECRET_KEY_ID: 'a' });
    expect([...c.secrets.keys.keys()].sort()).toEqual(['a', 'dev']);
  });

  it('validates ports, hosts, booleans, quotas and URLs without echoing their secrets', () => {
    const problems = problemsOf({
      NODE_ENV: 'staging',
      HAAAS_HTTP_PORT: '70000',
      HAAAS_HTTP_HOST: 'bad host',
      HAAAS_LOG_SQL: 'maybe',
      HAAAS_QUOTA_MAX_CLUSTERS: '-1',
      HAAAS_DB_URL: 'postgres://u:topsecret@h/db',
      HAAAS_REDIS_URL: 'http://x',
    });
    for (const name of ['NODE_ENV', 'HAAAS_HTTP_PORT', 'HAAAS_HTTP_HOST', 'HAAAS_LOG_SQL', 'HAAAS_QUOTA_MAX_CLUSTERS', 'HAAAS_DB_URL', 'HAAAS_REDIS_URL']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(problems.join('\n')).not.toContain('topsecret');
  });
});

describe('checkJwtConfig', () => {
  it('catches a hand-built config that would accept unsigned tokens or confuse algorithms', () => {
    const base = { issuer: 'i', audience: 'a', clockToleranceSeconds: 30, key: { kind: 'secret', secret: strongSecret, isDevSecret: false } } as const;
    expect(checkJwtConfig({ ...base, algorithms: ['none' as 'HS256'] })).toContainEqual(expect.stringMatching(/"none" is not supported/));
    expect(checkJwtConfig({ ...base, algorithms: ['HS256', 'ES256'] })).toContainEqual(expect.stringMatching(/cannot be mixed/));
    expect(checkJwtConfig({ ...base, algorithms: ['HS256'] })).toEqual([]);
  });
});

describe('loadConfig: Keystone', () => {
  const base = { NODE_ENV: 'test' };
  it('is off without HAAAS_KEYSTONE_URL', () => {
    expect(loadConfig(base).keystone).toBeUndefined();
  });
  it('reads the service user, the role mapping (admin only when configured) and the cache bound', () => {
    const k = loadConfig({ ...base, HAAAS_KEYSTONE_URL: 'http://127.0.0.1:5000/', HAAAS_KEYSTONE_USERNAME: 'haaas', HAAAS_KEYSTONE_PASSWORD: 'pw' }).keystone;
    expect(k).toMatchObject({ authUrl: 'http://127.0.0.1:5000/v3', cacheSeconds: 30, roles: { admin: [], member: ['member'], reader: ['reader'] } });
    expect(k?.service).toMatchObject({ username: 'haaas', userDomainName: 'Default', projectName: 'service' });
  });
  it('lists every Keystone problem at once', () => {
    expect(() => loadConfig({ ...base, HAAAS_KEYSTONE_URL: 'ftp://x', HAAAS_KEYSTONE_CACHE_SECONDS: '9999' })).toThrow(
      /HAAAS_KEYSTONE_URL[\s\S]*HAAAS_KEYSTONE_USERNAME[\s\S]*HAAAS_KEYSTONE_PASSWORD[\s\S]*HAAAS_KEYSTONE_CACHE_SECONDS/,
    );
  });
});
