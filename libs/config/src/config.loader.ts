import { isIP } from 'node:net';
import { DEFAULT_TENANT_QUOTA, isHostname, type TenantQuota } from '@haaas/domain';
import type {
  AppConfig,
  DatabaseConfig,
  HttpConfig,
  JwtAlgorithm,
  JwtConfig,
  JwtKeySource,
  KeystoneConfig,
  LoggingConfig,
  MetricsConfig,
  NodeEnv,
  RedisConfig,
  SecretsConfig,
  VsphereConfig,
} from './config.types';
import {
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_WORKER_METRICS_PORT,
  DEV_DB_URL,
  DEV_JWT_ISSUER,
  DEV_JWT_SECRET,
  DEV_REDIS_URL,
  DEV_SECRET_KEY_BASE64,
  DEV_SECRET_KEY_ID,
  JWT_CLOCK_TOLERANCE_SECONDS,
} from './dev-defaults.constants';
import { isSentinelUrl, sentinelOptions, splitHostList } from './connection-urls';
import { readApiLimits } from './api-limits.config';
import { checkJwtConfig, isHmacAlgorithm, isJwtAlgorithm, splitPemList } from './jwt-config.checks';

/** Every problem of the environment at once, so a deployment is fixed in one round, not one per restart. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Key ids end up inside stored ciphertexts (`v1.<id>.…`), so they avoid the separators `.`, `:` and `,`. */
export const SECRET_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

const MAX_QUOTA = 1_000_000_000;

/**
 * Reads and validates the configuration from environment variables. Pure: no I/O, no defaults
 * taken from anywhere but the arguments, so tests pass a plain object.
 * @throws ConfigError listing every problem found
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = readNodeEnv(r);
  const production = nodeEnv === 'production';

  const http: HttpConfig = { host: readHost(r), port: r.int('HAAAS_HTTP_PORT', DEFAULT_HTTP_PORT, 0, 65535) };
  const database = readDatabase(r, production);
  const redis = readRedis(r, production);
  const jwt = readJwt(r, production);
  const secrets = readSecrets(r, production);
  const quota: TenantQuota = {
    maxClusters: r.int('HAAAS_QUOTA_MAX_CLUSTERS', DEFAULT_TENANT_QUOTA.maxClusters, 0, MAX_QUOTA),
    maxNodes: r.int('HAAAS_QUOTA_MAX_NODES', DEFAULT_TENANT_QUOTA.maxNodes, 0, MAX_QUOTA),
    maxResources: r.int('HAAAS_QUOTA_MAX_RESOURCES', DEFAULT_TENANT_QUOTA.maxResources, 0, MAX_QUOTA),
    maxServices: r.int('HAAAS_QUOTA_MAX_SERVICES', DEFAULT_TENANT_QUOTA.maxServices, 0, MAX_QUOTA),
  };

  const keystone = readKeystone(r, production);
  const caFile = r.get('HAAAS_VSPHERE_CA_FILE');
  const vsphere: VsphereConfig = { resyncSeconds: r.int('HAAAS_VSPHERE_RESYNC_SECONDS', 60, 1, 3600), ...(caFile ? { caFile } : {}) };

  const api = readApiLimits(r, production, nodeEnv === 'test');
  const metrics = readMetrics(r, nodeEnv, http.host);

  const webhooks = {
    retryDelayMs: r.int('HAAAS_WEBHOOK_RETRY_DELAY_MS', 1000, 10, 3_600_000),
    attempts: r.int('HAAAS_WEBHOOK_ATTEMPTS', 10, 1, 50),
    timeoutMs: r.int('HAAAS_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    allowPrivateAddresses: r.bool('HAAAS_WEBHOOK_ALLOW_PRIVATE', !production),
  };
  const logging = readLogging(r, nodeEnv);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return { nodeEnv, production, http, database, redis, jwt, secrets, quota, vsphere, api, webhooks, logging, metrics, ...(keystone ? { keystone } : {}) };
}

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Trimmed value; empty counts as unset, the way `FOO=` in an env file is meant. */
  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  problem(name: string, message: string): void {
    this.problems.push(`${name}: ${message}`);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(name, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problem(name, 'must be true or false');
    return fallback;
  }

  /** A value production must set explicitly; elsewhere `devDefault` stands in. */
  requiredInProduction(name: string, production: boolean, devDefault: string): string | undefined {
    const value = this.get(name);
    if (value !== undefined) return value;
    if (production) {
      this.problem(name, 'is required when NODE_ENV=production');
      return undefined;
    }
    return devDefault;
  }
}

const LOG_LEVELS: readonly LoggingConfig['level'][] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function readLogging(r: EnvReader, nodeEnv: NodeEnv): LoggingConfig {
  const format = r.get('HAAAS_LOG_FORMAT') ?? (nodeEnv === 'development' ? 'pretty' : 'json');
  const level = r.get('HAAAS_LOG_LEVEL') ?? 'info';
  if (format !== 'json' && format !== 'pretty') r.problem('HAAAS_LOG_FORMAT', 'must be json or pretty');
  const known = LOG_LEVELS.find((l) => l === level);
  if (!known) r.problem('HAAAS_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  return { format: format === 'pretty' ? 'pretty' : 'json', level: known ?? 'info' };
}

function readNodeEnv(r: EnvReader): NodeEnv {
  const raw = r.get('NODE_ENV') ?? 'development';
  if (raw === 'production' || raw === 'development' || raw === 'test') return raw;
  r.problem('NODE_ENV', 'must be production, development or test');
  // the strictest reading, so the remaining checks do not wave dev defaults through
  return 'production';
}

/** Metrics on by default; in production /metrics is never open: a token, or HAAAS_METRICS=false. */
function readMetrics(r: EnvReader, nodeEnv: NodeEnv, httpHost: string): MetricsConfig {
  const production = nodeEnv === 'production';
  const enabled = r.bool('HAAAS_METRICS', true);
  const token = r.get('HAAAS_METRICS_TOKEN');
  if (enabled && production && !token) r.problem('HAAAS_METRICS_TOKEN', 'is required when NODE_ENV=production (or set HAAAS_METRICS=false)');
  if (token !== undefined && token.length < 16) r.problem('HAAAS_METRICS_TOKEN', 'must be at least 16 characters');
  return {
    enabled,
    ...(token ? { token } : {}),
    // tests start many workers at once: a free port each
    workerPort: r.int('HAAAS_WORKER_METRICS_PORT', nodeEnv === 'test' ? 0 : DEFAULT_WORKER_METRICS_PORT, 0, 65535),
    workerHost: r.get('HAAAS_WORKER_METRICS_HOST') ?? httpHost,
    objectLabels: r.bool('HAAAS_METRICS_OBJECT_LABELS', false),
  };
}

function readHost(r: EnvReader): string {
  const host = r.get('HAAAS_HTTP_HOST') ?? DEFAULT_HTTP_HOST;
  if (isIP(host) === 0 && !isHostname(host)) r.problem('HAAAS_HTTP_HOST', 'must be an IP address or a host name');
  return host;
}

function readDatabase(r: EnvReader, production: boolean): DatabaseConfig {
  const name = 'HAAAS_DB_URL';
  const logSql = r.bool('HAAAS_LOG_SQL', false);
  const url = r.requiredInProduction(name, production, DEV_DB_URL) ?? '';
  const fallback: DatabaseConfig = { url, host: '', port: 3306, user: '', password: '', database: '', logSql };
  if (!url) return fallback;
  // several hosts (a Galera cluster): validated as the URL of the first one
  const split = splitHostList(url, 3306);
  const parsed = split ? parseUrl(split.firstHostUrl) : undefined;
  // the URL itself is never echoed: it carries the password
  const shape = 'must look like mysql://user:password@host:3306[,host2:3306…]/database';
  if (!parsed || (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:')) {
    r.problem(name, shape);
    return fallback;
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const port = parsed.port ? Number(parsed.port) : 3306;
  if (!parsed.hostname || !parsed.username || !database || database.includes('/')) {
    r.problem(name, shape);
    return fallback;
  }
  return {
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
    logSql,
    ...(split && split.hosts.length > 1 ? { hosts: split.hosts } : {}),
  };
}

function readRedis(r: EnvReader, production: boolean): RedisConfig {
  const url = r.requiredInProduction('HAAAS_REDIS_URL', production, DEV_REDIS_URL) ?? '';
  if (!url) return { url };
  if (isSentinelUrl(url)) {
    const sentinel = sentinelOptions(url);
    if (!sentinel) r.problem('HAAAS_REDIS_URL', 'must look like redis-sentinel://[user:password@]host:26379[,host:port…][/db]?name=<master name>');
    return { url, ...(sentinel?.sentinels ? { sentinels: sentinel.sentinels.map((s) => ({ host: s.host ?? '', port: s.port ?? 26379 })) } : {}) };
  }
  const parsed = parseUrl(url);
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !parsed.hostname) {
    r.problem('HAAAS_REDIS_URL', 'must look like redis://[user:password@]host:6379[/db] (or rediss:// for TLS, redis-sentinel:// for Sentinel)');
  }
  return { url };
}

function readJwt(r: EnvReader, production: boolean): JwtConfig {
  const secret = r.get('HAAAS_JWT_SECRET');
  const pems = r.get('HAAAS_JWT_PUBLIC_KEYS');
  const jwksUrl = r.get('HAAAS_JWT_JWKS_URL');
  const sources = [secret && 'HAAAS_JWT_SECRET', pems && 'HAAAS_JWT_PUBLIC_KEYS', jwksUrl && 'HAAAS_JWT_JWKS_URL'].filter(Boolean);
  if (sources.length > 1) r.problem('HAAAS_JWT_*', `set only one key source, not ${sources.join(' and ')}`);

  const algorithms = readAlgorithms(r, production, secret === undefined && (pems !== undefined || jwksUrl !== undefined));
  const allHmac = algorithms.length > 0 && algorithms.every(isHmacAlgorithm);
  const mixed = algorithms.some(isHmacAlgorithm) && !allHmac;

  let key: JwtKeySource | undefined;
  if (secret !== undefined) {
    if (production && secret === DEV_JWT_SECRET) r.problem('HAAAS_JWT_SECRET', 'the development secret is refused in production');
    key = { kind: 'secret', secret, isDevSecret: secret === DEV_JWT_SECRET };
  } else if (pems !== undefined) {
    key = { kind: 'public-keys', publicKeys: splitPemList(pems) };
  } else if (jwksUrl !== undefined) {
    // a JWKS fetched over plain HTTP could be swapped in transit, and with it every accepted key
    if (production && !jwksUrl.startsWith('https://')) r.problem('HAAAS_JWT_JWKS_URL', 'must be https:// in production');
    key = { kind: 'jwks', jwksUrl };
  } else if (allHmac && !production) {
    key = { kind: 'secret', secret: DEV_JWT_SECRET, isDevSecret: true };
  } else if (allHmac) {
    r.problem('HAAAS_JWT_SECRET', 'is required for HS* algorithms when NODE_ENV=production');
  } else if (algorithms.length > 0 && !mixed) {
    r.problem('HAAAS_JWT_PUBLIC_KEYS', 'this or HAAAS_JWT_JWKS_URL is required for public-key algorithms');
  }

  const issuer = r.requiredInProduction('HAAAS_JWT_ISSUER', production, DEV_JWT_ISSUER) ?? '';
  if (production && issuer === DEV_JWT_ISSUER) r.problem('HAAAS_JWT_ISSUER', `the development issuer "${DEV_JWT_ISSUER}" is refused in production`);
  const audience = r.get('HAAAS_JWT_AUDIENCE') ?? DEFAULT_JWT_AUDIENCE;

  const jwt: JwtConfig = {
    algorithms,
    key: key ?? { kind: 'secret', secret: '', isDevSecret: false },
    issuer,
    audience,
    clockToleranceSeconds: JWT_CLOCK_TOLERANCE_SECONDS,
  };
  // the structural rules (no mixing, key sizes, key types) are shared with AuthModule, which re-checks
  if (algorithms.length > 0) {
    for (const p of checkJwtConfig(jwt)) {
      // without a key source only the algorithm rules say something new
      if ((key || p.startsWith('HAAAS_JWT_ALGORITHMS')) && !r.problems.includes(p)) r.problems.push(p);
    }
  }
  return jwt;
}

function readAlgorithms(r: EnvReader, production: boolean, publicKeySource: boolean): JwtAlgorithm[] {
  const name = 'HAAAS_JWT_ALGORITHMS';
  const raw = r.get(name);
  if (raw === undefined) {
    if (production) r.problem(name, 'is required when NODE_ENV=production (e.g. RS256, or HS256 with HAAAS_JWT_SECRET)');
    else if (publicKeySource) r.problem(name, 'is required with HAAAS_JWT_PUBLIC_KEYS or HAAAS_JWT_JWKS_URL (e.g. RS256 or ES256)');
    else return ['HS256'];
    return [];
  }
  const algorithms: JwtAlgorithm[] = [];
  for (const alg of raw.split(',').map((a) => a.trim()).filter(Boolean)) {
    if (alg.toLowerCase() === 'none') r.problem(name, '"none" (unsigned tokens) is never accepted');
    else if (!isJwtAlgorithm(alg)) r.problem(name, `"${alg}" is not a supported algorithm`);
    else if (!algorithms.includes(alg)) algorithms.push(alg);
  }
  if (algorithms.length === 0) r.problem(name, 'lists no supported algorithm');
  return algorithms;
}

function readSecrets(r: EnvReader, production: boolean): SecretsConfig {
  const keys = new Map<string, Uint8Array>();
  const raw = r.get('HAAAS_SECRET_KEYS');
  const devKey = Buffer.from(DEV_SECRET_KEY_BASE64, 'base64');
  if (raw === undefined && production) r.problem('HAAAS_SECRET_KEYS', 'is required when NODE_ENV=production');
  (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const where = `HAAAS_SECRET_KEYS entry #${i + 1}`;
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon).trim();
      const encoded = colon < 0 ? '' : entry.slice(colon + 1).trim();
      if (!SECRET_KEY_ID_PATTERN.test(id)) return r.problem(where, 'must be "<id>:<base64 key>" with an id of 1-32 letters, digits, "_" or "-"');
      if (keys.has(id)) return r.problem(where, `key id "${id}" appears twice`);
      const key = decodeBase64(encoded);
      if (!key || key.length !== 32) return r.problem(where, `key "${id}" must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
      if (production && key.equals(devKey)) return r.problem(where, `key "${id}" is the development key, refused in production`);
      keys.set(id, key);
    });
  if (!production && !keys.has(DEV_SECRET_KEY_ID)) keys.set(DEV_SECRET_KEY_ID, devKey);

  const activeKeyId = r.requiredInProduction('HAAAS_SECRET_KEY_ID', production, DEV_SECRET_KEY_ID) ?? '';
  if (activeKeyId && !keys.has(activeKeyId)) r.problem('HAAAS_SECRET_KEY_ID', `"${activeKeyId}" is not an id in HAAAS_SECRET_KEYS`);
  return { keys, activeKeyId };
}

/** Keystone is optional: without HAAAS_KEYSTONE_URL the API knows only its JWTs. */
function readKeystone(r: EnvReader, production: boolean): KeystoneConfig | undefined {
  const raw = r.get('HAAAS_KEYSTONE_URL');
  if (raw === undefined) return undefined;
  const url = parseUrl(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) r.problem('HAAAS_KEYSTONE_URL', 'must be an http(s) URL such as https://keystone:5000/v3');
  // tokens and the service password travel to it: plain HTTP only on loopback in production
  else if (production && url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    r.problem('HAAAS_KEYSTONE_URL', 'must be https:// in production');
  }
  const base = raw.replace(/\/+$/, '');
  const authUrl = base.endsWith('/v3') ? base : `${base}/v3`;
  const need = (name: string): string => {
    const value = r.get(name);
    if (value === undefined) r.problem(name, 'is required with HAAAS_KEYSTONE_URL (the API validates tokens with its own service user)');
    return value ?? '';
  };
  const list = (name: string, fallback: string[]): string[] => (r.get(name) === undefined ? fallback : (r.get(name) ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  return {
    authUrl,
    service: {
      username: need('HAAAS_KEYSTONE_USERNAME'),
      password: need('HAAAS_KEYSTONE_PASSWORD'),
      userDomainName: r.get('HAAAS_KEYSTONE_USER_DOMAIN_NAME') ?? 'Default',
      projectName: r.get('HAAAS_KEYSTONE_PROJECT_NAME') ?? 'service',
      projectDomainName: r.get('HAAAS_KEYSTONE_PROJECT_DOMAIN_NAME') ?? 'Default',
    },
    roles: {
      admin: list('HAAAS_KEYSTONE_ADMIN_ROLES', []),
      member: list('HAAAS_KEYSTONE_MEMBER_ROLES', ['member']),
      reader: list('HAAAS_KEYSTONE_READER_ROLES', ['reader']),
    },
    cacheSeconds: r.int('HAAAS_KEYSTONE_CACHE_SECONDS', 30, 0, 300),
    cacheSize: r.int('HAAAS_KEYSTONE_CACHE_SIZE', 10_000, 1, 1_000_000),
    timeoutMs: r.int('HAAAS_KEYSTONE_TIMEOUT_MS', 5000, 100, 60_000),
  };
}

function decodeBase64(value: string): Buffer | undefined {
  // Buffer.from silently skips bad characters; a typo must not yield a different key
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) && !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
