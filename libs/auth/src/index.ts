export { AuthModule, type AuthModuleOptions, type TenantDirectoryProvider } from './auth.module';
export { Public, AdminOnly, CurrentScope } from './auth.decorators';
export { JwtAuthGuard, KEYSTONE_AUTHENTICATOR } from './jwt-auth.guard';
export { KeystoneAuthenticator } from './keystone/keystone.authenticator';
export { KeystoneClient, KeystoneUnavailableError, type KeystoneToken } from './keystone/keystone.client';
export { principalFromKeystone } from './keystone/keystone-roles.mapper';
export { RateLimiter, type RateLimits, type TenantRateOverrides } from './rate-limit/rate-limiter.service';
export { JwtStrategy } from './jwt.strategy';
export { principalFromClaims, type Principal } from './jwt-claims.parser';
export { secretOrKeyProviderFor, JWKS_OPTIONS } from './jwt-keys.provider';
export { TENANT_DIRECTORY, type TenantDirectory } from './tenant-directory.interface';
export { TenantProvisioner, DEFAULT_TENANT_CACHE_SIZE } from './tenant-provisioner.service';
export { InMemoryTenantDirectory } from './in-memory-tenant.directory';
export { scopeOfRequest, type AuthRequest } from './request-context.util';
export { signDevToken, type DevTokenClaims } from './dev-token.signer';
export {
  JWT_CONFIG,
  JWT_STRATEGY_NAME,
  TENANT_HEADER,
  TENANT_ID_PATTERN,
  INVALID_TOKEN_MESSAGE,
  EXPIRED_TOKEN_MESSAGE,
} from './auth.constants';
