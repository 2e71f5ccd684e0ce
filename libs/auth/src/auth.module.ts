import {
  Module,
  type ClassProvider,
  type DynamicModule,
  type ExistingProvider,
  type FactoryProvider,
  type ModuleMetadata,
  type Provider,
  type Type,
  type ValueProvider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { checkJwtConfig, type JwtConfig, type KeystoneConfig } from '@haaas/config';
import { RedisConnections } from '@haaas/redis';
import { JWT_CONFIG } from './auth.constants';
import { JwtAuthGuard, KEYSTONE_AUTHENTICATOR } from './jwt-auth.guard';
import { KeystoneAuthenticator } from './keystone/keystone.authenticator';
import { KeystoneExchangeController } from './keystone/keystone-exchange.controller';
import { RateLimiter, type RateLimits } from './rate-limit/rate-limiter.service';
import { JwtStrategy } from './jwt.strategy';
import { TENANT_DIRECTORY, type TenantDirectory } from './tenant-directory.interface';
import { TenantProvisioner } from './tenant-provisioner.service';

/** A provider of the TenantDirectory, minus the token (AuthModule fills it in). */
export type TenantDirectoryProvider =
  | Omit<ValueProvider<TenantDirectory>, 'provide'>
  | Omit<ClassProvider<TenantDirectory>, 'provide'>
  | Omit<FactoryProvider<TenantDirectory>, 'provide'>
  | Omit<ExistingProvider<TenantDirectory>, 'provide'>;

export interface AuthModuleOptions {
  readonly jwt: JwtConfig;
  /**
   * Where tenants are created on first use. A class is taken with `useExisting`: it must be
   * exported by one of `imports` (the directory lives with persistence, not here).
   */
  readonly tenantDirectory: Type<TenantDirectory> | TenantDirectoryProvider;
  /** Modules the directory provider needs. */
  readonly imports?: ModuleMetadata['imports'];
  /** How many known tenant ids to remember (default 10 000). */
  readonly tenantCacheSize?: number;
  /** Accept Keystone tokens (X-Auth-Token) beside the JWTs. */
  readonly keystone?: KeystoneConfig;
  /** Request limits per tenant, subject and node agent, on the process's `rate-limit` Redis connection (RedisConnections); none without it (the auth unit tests). */
  readonly rateLimits?: RateLimits;
}

function rateLimiterProvider(limits: RateLimits): Provider {
  return { provide: RateLimiter, useFactory: (connections: RedisConnections) => new RateLimiter(connections.get('rate-limit'), limits), inject: [RedisConnections] };
}

/**
 * Authentication and authorisation for the API: the JWT strategy, the tenant provisioner, and
 * JwtAuthGuard as the global guard (APP_GUARD), so every resolver and handler is guarded by default.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const problems = checkJwtConfig(options.jwt);
    // refuse at startup, not on the first request
    if (problems.length > 0) throw new Error(`AuthModule: unusable JWT configuration:\n  - ${problems.join('\n  - ')}`);
    const directory: Provider =
      typeof options.tenantDirectory === 'function'
        ? { provide: TENANT_DIRECTORY, useExisting: options.tenantDirectory }
        : { provide: TENANT_DIRECTORY, ...options.tenantDirectory };
    return {
      module: AuthModule,
      imports: options.imports ?? [],
      providers: [
        { provide: JWT_CONFIG, useValue: options.jwt },
        directory,
        {
          provide: TenantProvisioner,
          useFactory: (tenants: TenantDirectory) => new TenantProvisioner(tenants, options.tenantCacheSize),
          inject: [TENANT_DIRECTORY],
        },
        JwtStrategy,
        ...(options.keystone ? [{ provide: KEYSTONE_AUTHENTICATOR, useValue: new KeystoneAuthenticator(options.keystone) }] : []),
        ...(options.rateLimits ? [rateLimiterProvider(options.rateLimits)] : []),
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
      // POST /v1/auth/keystone: a Keystone token for a HAaaS JWT
      controllers: options.keystone ? [KeystoneExchangeController] : [],
      // global: the node agents' endpoints (agent-api) take their tokens from the same RateLimiter
      global: true,
      exports: [
        JWT_CONFIG,
        TenantProvisioner,
        ...(options.keystone ? [KEYSTONE_AUTHENTICATOR] : []),
        ...(options.rateLimits ? [RateLimiter] : []),
      ],
    };
  }
}
