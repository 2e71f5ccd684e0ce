import { Inject, Injectable, Logger, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BadInputError, ForbiddenError, TenantScope, UnauthenticatedError } from '@haaas/domain';
import { ADMIN_ONLY_KEY, EXPIRED_TOKEN_MESSAGE, INVALID_TOKEN_MESSAGE, IS_PUBLIC_KEY, TENANT_HEADER, TENANT_ID_PATTERN } from './auth.constants';
import type { Principal } from './jwt-claims.parser';
import { JwtStrategy } from './jwt.strategy';
import { describeCall, type AuthRequest, type GuardedCall } from './request-context.util';
import { TenantProvisioner } from './tenant-provisioner.service';
import { KeystoneAuthenticator } from './keystone/keystone.authenticator';
import { KeystoneUnavailableError } from './keystone/keystone.client';
import { KEYSTONE_AUTHENTICATOR } from './keystone/keystone.constants';

export { KEYSTONE_AUTHENTICATOR };
import { RateLimiter } from './rate-limit/rate-limiter.service';
import { addLogContext } from '@haaas/logging';

type Outcome = { readonly principal: Principal } | { readonly principal?: undefined; readonly reason: unknown };

/**
 * The global guard: default deny. Every GraphQL resolver and HTTP handler needs a valid bearer
 * token unless marked @Public(); then readers may only read, and @AdminOnly() needs admin.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  /** One verification per request, shared by the root fields GraphQL resolves in parallel. */
  private readonly inFlight = new WeakMap<AuthRequest, Promise<TenantScope>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly tenants: TenantProvisioner,
    @Optional() @Inject(KEYSTONE_AUTHENTICATOR) private readonly keystone?: KeystoneAuthenticator,
    @Optional() private readonly limiter?: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets)) return true;
    const call = describeCall(context);
    const request = call.request;
    if (!request) throw new UnauthenticatedError(INVALID_TOKEN_MESSAGE);
    const known = request.tenantScope;
    const scope = known instanceof TenantScope ? known : await this.scopeFor(request);
    this.authorize(scope, call, this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ONLY_KEY, targets) === true);
    return true;
  }

  private scopeFor(request: AuthRequest): Promise<TenantScope> {
    let pending = this.inFlight.get(request);
    if (!pending) {
      pending = this.authenticate(request).then((scope) => (request.tenantScope = scope));
      this.inFlight.set(request, pending);
    }
    return pending;
  }

  private async authenticate(request: AuthRequest): Promise<TenantScope> {
    const keystoneToken = request.headers['x-auth-token'];
    const outcome = keystoneToken !== undefined && request.headers.authorization === undefined ? await this.verifyKeystone(keystoneToken) : await this.verify(request);
    if (!outcome.principal) {
      const reason = outcome.reason;
      const expired = reason instanceof Error && reason.name === 'TokenExpiredError';
      // the reason goes to the log only; the client gets the fixed message
      this.logger.debug(`token refused: ${reason instanceof Error ? reason.message : 'claims missing or invalid'}`);
      throw new UnauthenticatedError(expired ? EXPIRED_TOKEN_MESSAGE : INVALID_TOKEN_MESSAGE);
    }
    const { principal } = outcome;
    const tenantId = effectiveTenant(principal, request);
    const scope = TenantScope.of(tenantId, { subject: principal.subject, roles: principal.roles });
    addLogContext({ tenant: tenantId, subject: principal.subject });
    // once per request, before anything runs (every root field shares this verification)
    await this.limiter?.takeForCaller(scope);
    await this.tenants.ensure(tenantId);
    return scope;
  }

  /**
   * Runs this module's own strategy instance the way passport's middleware would. Not looked up by
   * name in passport's process-wide registry: two apps in one process (tests) would swap keys.
   */
  private verify(request: AuthRequest): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const attempt = Object.create(this.strategy) as JwtStrategy;
      attempt.success = (user: Principal) => resolve({ principal: user });
      attempt.fail = (challenge?: unknown) => resolve({ reason: challenge });
      attempt.error = (err: Error) => {
        this.logger.error(`token verification errored: ${err.message}`);
        resolve({ reason: err });
      };
      attempt.pass = () => resolve({ reason: undefined });
      attempt.redirect = () => resolve({ reason: undefined });
      // passport-jwt reads only `headers` (the bearer token) of the Express request it is typed for
      attempt.authenticate(request as unknown as Parameters<JwtStrategy['authenticate']>[0], {});
    });
  }

  /** X-Auth-Token: a Keystone token, validated by Keystone (cached within the configured bound). */
  private async verifyKeystone(header: string | string[]): Promise<Outcome> {
    if (!this.keystone || Array.isArray(header)) return { reason: new Error('X-Auth-Token refused: Keystone is not configured, or the header is repeated') };
    try {
      const principal = await this.keystone.authenticate(header);
      return principal ? { principal } : { reason: new Error('Keystone refused the token, or none of its roles maps to a HAaaS role') };
    } catch (error) {
      if (error instanceof KeystoneUnavailableError) {
        this.logger.warn(error.message);
        // a reason the client can act on: not its token's fault, try again later
        throw new UnauthenticatedError(`${INVALID_TOKEN_MESSAGE}: ${error.message}`);
      }
      throw error;
    }
  }

  private authorize(scope: TenantScope, call: GuardedCall, adminOnly: boolean): void {
    if (adminOnly && !scope.isAdmin) throw new ForbiddenError('this operation is for platform admins');
    if (call.writes && !scope.canWrite) throw new ForbiddenError('the reader role may only run queries');
  }
}

/** The token's tenant, or, for an admin, the tenant named in X-HAaaS-Tenant. */
function effectiveTenant(principal: Principal, request: AuthRequest): string {
  const header = request.headers[TENANT_HEADER];
  if (header === undefined) return principal.tenantId;
  if (Array.isArray(header)) throw BadInputError.of('X-HAaaS-Tenant', 'must be sent at most once');
  const requested = header.trim();
  if (requested === principal.tenantId) return requested;
  if (!principal.roles.includes('admin')) throw new ForbiddenError('only a platform admin may act in another tenant (X-HAaaS-Tenant)');
  if (!TENANT_ID_PATTERN.test(requested)) throw BadInputError.of('X-HAaaS-Tenant', 'must be 1-64 letters, digits, "_" or "-"');
  return requested;
}
