/** Injection token of the JwtConfig the strategy verifies with. */
export const JWT_CONFIG = Symbol('HAAAS_JWT_CONFIG');

/** Name the strategy registers under in passport (the guard uses its own injected instance, not this). */
export const JWT_STRATEGY_NAME = 'haaas-jwt';

export const IS_PUBLIC_KEY = 'haaas:auth:public';
export const ADMIN_ONLY_KEY = 'haaas:auth:admin-only';

/** Header a platform admin sends to act in another tenant (lower case: Node lower-cases header names). */
export const TENANT_HEADER = 'x-haaas-tenant';

/** Tenant ids as tokens carry them; also what the tenants table stores. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What clients learn about a refused token: no more, so probing the verifier teaches nothing. */
export const INVALID_TOKEN_MESSAGE = 'invalid or missing token';
export const EXPIRED_TOKEN_MESSAGE = 'invalid or missing token: expired';
