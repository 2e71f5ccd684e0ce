export * from './config.types';
export { DEFAULT_API_LIMITS, HTTP_BODY_LIMIT_BYTES, type ApiLimitsConfig, type RateLimit } from './api-limits.config';
export { loadConfig, ConfigError, SECRET_KEY_ID_PATTERN } from './config.loader';
export { checkJwtConfig, isHmacAlgorithm, isJwtAlgorithm, keyFitsAlgorithm, splitPemList } from './jwt-config.checks';
export {
  DEV_JWT_SECRET,
  DEV_JWT_ISSUER,
  DEFAULT_JWT_AUDIENCE,
  DEV_SECRET_KEY_ID,
  DEV_SECRET_KEY_BASE64,
  DEV_DB_URL,
  DEV_REDIS_URL,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  JWT_CLOCK_TOLERANCE_SECONDS,
  MIN_JWT_SECRET_BYTES,
} from './dev-defaults.constants';
export { connectRedis, isSentinelUrl, sentinelOptions, splitHostList, type HostPort } from './connection-urls';
