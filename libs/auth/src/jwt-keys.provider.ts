import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
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

/**
 * The key as a KeyObject: jsonwebtoken turns a string or Buffer key into one on every verification
 * (for a shared secret, after first failing to read it as a public key: a thrown error per
 * request), which was most of the cost of a small authenticated request. passport-jwt's type says
 * string | Buffer; it hands the key to jsonwebtoken as it is, which takes a KeyObject.
 */
type Done = (err: Error | null, secretOrKey?: string | Buffer) => void;
const asKey = (key: KeyObject): string => key as unknown as string;

/** jwks-rsa answers PEM strings: each turned into a KeyObject once (the JWKS holds a handful of keys). */
function keyObjectCache(max: number): (pem: string) => KeyObject {
  const keys = new Map<string, KeyObject>();
  return (pem) => {
    let key = keys.get(pem);
    if (key === undefined) {
      key = createPublicKey(pem);
      if (keys.size >= max) keys.delete(keys.keys().next().value as string);
      keys.set(pem, key);
    }
    return key;
  };
}

/**
 * Gives passport-jwt the key to verify a token with. The verification itself (signature,
 * algorithms, exp, nbf, iss, aud) stays with passport-jwt; this only picks the key.
 */
export function secretOrKeyProviderFor(config: JwtConfig, logger = new Logger('Auth')): SecretOrKeyProvider {
  const key = config.key;
  switch (key.kind) {
    case 'secret': {
      const secret = createSecretKey(Buffer.from(key.secret, 'utf8'));
      return (_req: unknown, _token: unknown, done: Done) => done(null, asKey(secret));
    }
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
      const keyOf = keyObjectCache(JWKS_OPTIONS.cacheMaxEntries);
      return (req: unknown, token: unknown, done: Done) =>
        jwks(req, String(token), (err, secret) => done(err instanceof Error ? err : null, typeof secret === 'string' ? asKey(keyOf(secret)) : (secret ?? undefined)));
    }
  }
}

/**
 * PEM keys carry no `kid`, so with several (during a key rollover) the one whose signature checks
 * is picked. A wrong pick only makes the full verification fail; it can never make a token pass.
 */
function publicKeyProvider(pems: readonly string[]): SecretOrKeyProvider {
  const keys: KeyObject[] = pems.map((pem) => createPublicKey(pem));
  const first = keys[0];
  if (!first) throw new Error('JwtStrategy: no public key configured');
  if (keys.length === 1) return (_req: unknown, _token: unknown, done: Done) => done(null, asKey(first));
  return (_req: unknown, token: unknown, done: Done) => {
    void pickKey(keys, String(token)).then((key) => done(null, asKey(key ?? first)));
  };
}

async function pickKey(keys: readonly KeyObject[], token: string): Promise<KeyObject | undefined> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
  if (!alg || !isJwtAlgorithm(alg)) return undefined;
  for (const key of keys) {
    if (!keyFitsAlgorithm(key, alg)) continue;
    try {
      await compactVerify(token, key, { algorithms: [alg] });
      return key;
    } catch {
      // not this one
    }
  }
  return undefined;
}
