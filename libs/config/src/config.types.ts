import type { HostPort } from './connection-urls';
import type { TenantQuota } from '@haaas/domain';
import type { ApiLimitsConfig } from './api-limits.config';

export type NodeEnv = 'production' | 'development' | 'test';

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
}

export interface DatabaseConfig {
  /** The URL as given (it carries the password: never log it). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Log every SQL statement (HAAAS_LOG_SQL). */
  readonly logSql: boolean;
  /** The hosts of a multi-host URL (a Galera cluster), in the order they are tried; absent for one host. */
  readonly hosts?: readonly HostPort[];
}

export interface RedisConfig {
  /** redis:// or rediss:// URL, as ioredis accepts it (may carry a password: never log it). */
  readonly url: string;
  /** The Sentinels of a `redis-sentinel://` URL; absent for a plain Redis. */
  readonly sentinels?: readonly HostPort[];
}

/** The algorithms the verifier (jsonwebtoken, under passport-jwt) supports; `none` is never one of them. */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export type HmacAlgorithm = Extract<JwtAlgorithm, `HS${string}`>;

/** Where verification keys come from. Exactly one source: a shared secret cannot coexist with public keys. */
export type JwtKeySource =
  | { readonly kind: 'secret'; readonly secret: string; /** the fixed development secret is in use */ readonly isDevSecret: boolean }
  | { readonly kind: 'public-keys'; /** PEM (SPKI or certificate), one entry per key */ readonly publicKeys: readonly string[] }
  | { readonly kind: 'jwks'; readonly jwksUrl: string };

export interface JwtConfig {
  readonly algorithms: readonly JwtAlgorithm[];
  readonly key: JwtKeySource;
  readonly issuer: string;
  readonly audience: string;
  /** Allowed clock skew for exp/nbf checks. */
  readonly clockToleranceSeconds: number;
}

export interface SecretsConfig {
  /** Key id → 32-byte AES key. Ids are stored with every ciphertext, so old keys stay here until rotated out. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** The key new ciphertexts are made with. */
  readonly activeKeyId: string;
}

/** How the workers and the API talk to vCenter (every vSphere node's endpoint). */
export interface VsphereConfig {
  /** PEM file of the CAs that sign vCenter/ESXi certificates (HAAAS_VSPHERE_CA_FILE), besides the system's. */
  readonly caFile?: string;
  /** Full read of every host between WaitForUpdatesEx long-polls, at most this often (HAAAS_VSPHERE_RESYNC_SECONDS, default 60). */
  readonly resyncSeconds: number;
}

export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly production: boolean;
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig;
  readonly jwt: JwtConfig;
  readonly secrets: SecretsConfig;
  /** Default per-tenant quota. */
  readonly quota: TenantQuota;
  /** Optional so that configurations built by hand (tests) need not name it. */
  readonly vsphere?: VsphereConfig;
  /** Keystone tokens accepted beside the JWTs (HAAAS_KEYSTONE_URL set). */
  readonly keystone?: KeystoneConfig;
  /** Request limits of the API; optional like `vsphere` (DEFAULT_API_LIMITS when absent). */
  readonly api?: ApiLimitsConfig;
  /** Outbound webhook deliveries; optional like `vsphere` (defaults when absent). */
  readonly webhooks?: WebhooksConfig;
  /** Log lines; optional like `vsphere` (JSON at info when absent). */
  readonly logging?: LoggingConfig;
  /** Prometheus metrics; optional like `vsphere` (on, open, no worker listener when absent). */
  readonly metrics?: MetricsConfig;
}

/** HAAAS_LOG_FORMAT (json in production and under test, pretty elsewhere) and HAAAS_LOG_LEVEL (info). */
export interface LoggingConfig {
  readonly format: 'json' | 'pretty';
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

/** Prometheus metrics of the API (`/metrics` on its port) and of the worker (a listener of its own). */
export interface MetricsConfig {
  /** HAAAS_METRICS (default true): false serves no /metrics and records nothing. */
  readonly enabled: boolean;
  /** HAAAS_METRICS_TOKEN: the bearer token /metrics requires; required in production unless HAAAS_METRICS=false. */
  readonly token?: string;
  /** HAAAS_WORKER_METRICS_PORT (default 9465; 0 picks a free port): the worker's /metrics and /health/live. */
  readonly workerPort: number;
  /** HAAAS_WORKER_METRICS_HOST (default: HAAAS_HTTP_HOST). */
  readonly workerHost: string;
  /** HAAAS_METRICS_OBJECT_LABELS (default false): tenant and service ids as labels of the recovery series. */
  readonly objectLabels: boolean;
}

/** Retries of outbound webhook deliveries: exponential from the first delay, then FAILED. */
export interface WebhooksConfig {
  /** HAAAS_WEBHOOK_RETRY_DELAY_MS (default 1000): the first retry's delay, doubled each time. */
  readonly retryDelayMs: number;
  /** HAAAS_WEBHOOK_ATTEMPTS (default 10). */
  readonly attempts: number;
  /** HAAAS_WEBHOOK_TIMEOUT_MS (default 10000): deadline of one POST. */
  readonly timeoutMs: number;
  /**
   * HAAAS_WEBHOOK_ALLOW_PRIVATE (default: off in production, on elsewhere): lets webhook URLs
   * reach loopback, private and link-local addresses. Off, such URLs are refused (SSRF).
   */
  readonly allowPrivateAddresses?: boolean;
}

/** Keystone roles (by name) that give each HAaaS role; `admin` is given only by the roles listed (none by default). */
export interface KeystoneRoleMapping {
  readonly admin: readonly string[];
  readonly member: readonly string[];
  readonly reader: readonly string[];
}

/** Keystone (X-Auth-Token) next to the JWTs; absent when HAAAS_KEYSTONE_URL is unset. */
export interface KeystoneConfig {
  /** Identity v3 URL, without a trailing slash (`https://keystone.example:5000/v3`). */
  readonly authUrl: string;
  /** The API's own service user, which validates tokens (password auth, project-scoped). */
  readonly service: {
    readonly username: string;
    readonly password: string;
    readonly userDomainName: string;
    readonly projectName: string;
    readonly projectDomainName: string;
  };
  readonly roles: KeystoneRoleMapping;
  /** How long a validation is trusted: the bound on how late a revocation is noticed. */
  readonly cacheSeconds: number;
  readonly cacheSize: number;
  readonly timeoutMs: number;
}
