import { createPublicKey, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { isJwtAlgorithm, keyFitsAlgorithm, type JwtConfig } from '@haaas/config';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { passportJwtSecret } from 'jwks-rsa';
import type { SecretOrKeyProvider } from 'passport-jwt';

/** JWKS fetching: cached, and rate-limited so a flood of unknown `kid`s cannot hammer the identity provider. */
export const JWKS_OPTIONS = {
  cache: true,
  cacheMaxEntries: 20,
  cacheMaxAge: 10 * 60_000,
  rateLimit: true,
  jwksRequestsPerMinute: 10,
  timeout: 5_000,
} as const;

type Done = (err: Error | null, secretOrKey?: string | Buffer) => void;

/**
 * Gives passport-jwt the key to verify a token with. The verification itself (signature,
 * algorithms, exp, nbf, iss, aud) stays with passport-jwt; this only picks the key.
 */
export function secretOrKeyProviderFor(config: JwtConfig, logger = new Logger('Auth')): SecretOrKeyProvider {
  const key = config.key;
  switch (key.kind) {
    case 'secret':
      return (_req: unknown, _token: unknown, done: Done) => done(null, key.secret);
    case 'public-keys':
      return publicKeyProvider(key.publicKeys);
    case 'jwks': {
      const jwks = passportJwtSecret({
        jwksUri: key.jwksUrl,
        ...JWKS_OPTIONS,
        handleSigningKeyError: (err, cb) => {
          // an unknown kid is just a bad token; an unreachable JWKS is an outage worth a warning
          if (err && err.name !== 'SigningKeyNotFoundError') logger.warn(`JWKS ${key.jwksUrl}: ${err.message}`);
          cb(err?.name === 'SigningKeyNotFoundError' ? null : err);
        },
      });
      return (req: unknown, token: unknown, done: Done) => jwks(req, String(token), (err, secret) => done(err instanceof Error ? err : null, secret ?? undefined));
    }
  }
}

/**
 * PEM keys carry no `kid`, so with several (during a key rollover) the one whose signature checks
 * is picked. A wrong pick only makes the full verification fail; it can never make a token pass.
 */
function publicKeyProvider(pems: readonly string[]): SecretOrKeyProvider {
  const keys: { pem: string; key: KeyObject }[] = pems.map((pem) => ({ pem, key: createPublicKey(pem) }));
  const first = keys[0];
  if (!first) throw new Error('JwtStrategy: no public key configured');
  if (keys.length === 1) return (_req: unknown, _token: unknown, done: Done) => done(null, first.pem);
  return (_req: unknown, token: unknown, done: Done) => {
    void pickKey(keys, String(token)).then((pem) => done(null, pem ?? first.pem));
  };
}

async function pickKey(keys: readonly { pem: string; key: KeyObject }[], token: string): Promise<string | undefined> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
  if (!alg || !isJwtAlgorithm(alg)) return undefined;
  for (const { pem, key } of keys) {
    if (!keyFitsAlgorithm(key, alg)) continue;
    try {
      await compactVerify(token, key, { algorithms: [alg] });
      return pem;
    } catch {
      // not this one
    }
  }
  return undefined;
}
