/**
 * Development defaults. They are public (this file and the README print them), which is the point:
 * a developer can start the API and mint tokens with no setup. `loadConfig` refuses every one of
 * them when NODE_ENV=production.
 */

/** HS256 secret used when HAAAS_JWT_SECRET is unset outside production. */
export const DEV_JWT_SECRET = 'haaas-development-jwt-secret-not-for-production';

export const DEV_JWT_ISSUER = 'haaas-dev';
export const DEFAULT_JWT_AUDIENCE = 'haaas';

/** Id and key of the secrets keyring entry used outside production when HAAAS_SECRET_KEY_ID is unset. */
export const DEV_SECRET_KEY_ID = 'dev';
/** Base64 of the 32 ASCII bytes `haaas-development-key-not-secret`. */
export const DEV_SECRET_KEY_BASE64 = 'aGFhYXMtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ=';

export const DEV_DB_URL = 'mysql://haaas:haaas@127.0.0.1:3306/haaas';
export const DEV_REDIS_URL = 'redis://127.0.0.1:6379';

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 4000;
/** The worker's metrics listener (HAAAS_WORKER_METRICS_PORT): beside the API's 4000, clear of the Prometheus exporters' 9100-9400. */
export const DEFAULT_WORKER_METRICS_PORT = 9465;

/** Small on purpose: enough for unsynchronised clocks, too little to stretch a stolen token's life. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;

/** An HMAC secret shorter than the hash output weakens HS256; RFC 7518 §3.2 asks for at least this. */
export const MIN_JWT_SECRET_BYTES = 32;
