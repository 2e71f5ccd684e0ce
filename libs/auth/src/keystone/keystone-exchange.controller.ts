import { Controller, Headers, HttpCode, HttpException, HttpStatus, Inject, Post } from '@nestjs/common';
import { isHmacAlgorithm, type JwtConfig } from '@haaas/config';
import { SignJWT } from 'jose';
import { JWT_CONFIG } from '../auth.constants';
import { Public } from '../auth.decorators';
import { TenantProvisioner } from '../tenant-provisioner.service';
import { KEYSTONE_AUTHENTICATOR } from './keystone.constants';
import { KeystoneAuthenticator } from './keystone.authenticator';
import { KeystoneUnavailableError } from './keystone.client';

/** Lifetime of an exchanged JWT at most (and never past the Keystone token's expiry). */
export const EXCHANGE_TTL_SECONDS = 900;

/** RFC 8693's answer, in spirit: the issued token, its type and lifetime. */
export interface TokenExchangeReply {
  readonly access_token: string;
  readonly issued_token_type: 'urn:ietf:params:oauth:token-type:jwt';
  readonly token_type: 'Bearer';
  readonly expires_in: number;
}

/**
 * `POST /v1/auth/keystone`: a Keystone token (`X-Auth-Token`) in, a short-lived HAaaS JWT out, for
 * clients that prefer a bearer JWT. Signed with the API's HS* secret; with public-key JWT
 * verification (an external identity provider) the API holds no signing key and answers 501.
 * @Public(): the JWT guard stands aside, this handler checks the Keystone token itself.
 */
@Controller('v1/auth')
@Public()
export class KeystoneExchangeController {
  constructor(
    @Inject(KEYSTONE_AUTHENTICATOR) private readonly keystone: KeystoneAuthenticator,
    @Inject(JWT_CONFIG) private readonly jwt: JwtConfig,
    private readonly tenants: TenantProvisioner,
  ) {}

  @Post('keystone')
  @HttpCode(HttpStatus.OK)
  async exchange(@Headers('x-auth-token') token: string | undefined): Promise<TokenExchangeReply> {
    if (!token) throw fail(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'send the Keystone token in X-Auth-Token');
    const alg = this.jwt.algorithms.find(isHmacAlgorithm);
    if (this.jwt.key.kind !== 'secret' || !alg) {
      throw fail(HttpStatus.NOT_IMPLEMENTED, 'NOT_IMPLEMENTED', 'this API verifies JWTs of an external identity provider and cannot issue any: send the Keystone token itself (X-Auth-Token)');
    }
    let found;
    try {
      found = await this.keystone.authenticateWithExpiry(token);
    } catch (error) {
      if (error instanceof KeystoneUnavailableError) throw fail(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', error.message);
      throw error;
    }
    if (!found) throw fail(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'Keystone refused the token, or none of its roles maps to a HAaaS role');
    const { principal, expiresAt } = found;
    await this.tenants.ensure(principal.tenantId);
    const expiresIn = Math.max(1, Math.min(EXCHANGE_TTL_SECONDS, Math.floor((expiresAt - Date.now()) / 1000)));
    const accessToken = await new SignJWT({ tenant: principal.tenantId, roles: [...principal.roles] })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setSubject(principal.subject)
      .setIssuer(this.jwt.issuer)
      .setAudience(this.jwt.audience)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(new TextEncoder().encode(this.jwt.key.secret));
    return { access_token: accessToken, issued_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_type: 'Bearer', expires_in: expiresIn };
  }
}

function fail(status: HttpStatus, code: string, message: string): HttpException {
  return new HttpException({ code, message }, status);
}
