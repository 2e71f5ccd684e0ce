import { ROLES, type Role } from '@haaas/domain';
import { isHmacAlgorithm, type AppConfig } from '@haaas/config';
import { SignJWT } from 'jose';
import { TENANT_ID_PATTERN } from './auth.constants';

export interface DevTokenClaims {
  readonly tenant: string;
  /** Token subject; defaults to `developer`. */
  readonly subject?: string;
  readonly roles: readonly Role[];
  /** A duration jose understands (`30m`, `12h`, `7d`) or seconds from now; defaults to `12h`. */
  readonly expiresIn?: string | number;
}

/**
 * Mints a token the API accepts, with the configured HMAC secret (the development secret unless
 * HAAAS_JWT_SECRET is set). For development and tests only: refused when NODE_ENV=production,
 * where tokens come from the identity provider.
 */
export async function signDevToken(claims: DevTokenClaims, config: Pick<AppConfig, 'nodeEnv' | 'jwt'>): Promise<string> {
  if (config.nodeEnv === 'production' || process.env['NODE_ENV'] === 'production') {
    throw new Error('development tokens are refused when NODE_ENV=production; get a token from the identity provider');
  }
  const { key, algorithms, issuer, audience } = config.jwt;
  const alg = algorithms.find(isHmacAlgorithm);
  if (key.kind !== 'secret' || !alg) {
    throw new Error('development tokens need an HS* configuration (HAAAS_JWT_ALGORITHMS=HS256, the default outside production)');
  }
  if (!TENANT_ID_PATTERN.test(claims.tenant)) throw new Error('tenant must be 1-64 letters, digits, "_" or "-"');
  const unknown = claims.roles.filter((r) => !ROLES.includes(r));
  if (claims.roles.length === 0 || unknown.length > 0) throw new Error(`roles must be one or more of ${ROLES.join(', ')}`);
  const expiresIn = claims.expiresIn ?? '12h';
  return new SignJWT({ tenant: claims.tenant, roles: [...new Set(claims.roles)] })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setSubject(claims.subject ?? 'developer')
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    // a bare number would be an absolute time to jose; here it means seconds from now
    .setExpirationTime(typeof expiresIn === 'number' ? `${expiresIn}s` : expiresIn)
    .sign(new TextEncoder().encode(key.secret));
}
