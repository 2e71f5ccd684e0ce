import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { checkJwtConfig, type JwtConfig } from '@haaas/config';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JWT_CONFIG, JWT_STRATEGY_NAME } from './auth.constants';
import { principalFromClaims, type Principal } from './jwt-claims.parser';
import { secretOrKeyProviderFor } from './jwt-keys.provider';

/**
 * passport-jwt, pinned: only the configured algorithms (never `none`, never HMAC next to public-key
 * algorithms), issuer and audience checked, a small clock tolerance, and HAaaS claims required.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY_NAME) {
  constructor(@Inject(JWT_CONFIG) config: JwtConfig) {
    const problems = checkJwtConfig(config);
    // AuthModule checks too; this covers a strategy constructed directly
    if (problems.length > 0) throw new Error(`JwtStrategy: unusable JWT configuration: ${problems.join('; ')}`);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: secretOrKeyProviderFor(config),
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: config.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.clockToleranceSeconds },
    });
  }

  /** Returning false makes passport report a failed (not errored) authentication. */
  validate(payload: unknown): Principal | false {
    return principalFromClaims(payload) ?? false;
  }
}
