import { createPublicKey, type KeyObject } from 'node:crypto';
import { JWT_ALGORITHMS, type HmacAlgorithm, type JwtAlgorithm, type JwtConfig } from './config.types';
import { MIN_JWT_SECRET_BYTES } from './dev-defaults.constants';

export function isJwtAlgorithm(value: string): value is JwtAlgorithm {
  return (JWT_ALGORITHMS as readonly string[]).includes(value);
}

export function isHmacAlgorithm(alg: JwtAlgorithm): alg is HmacAlgorithm {
  return alg.startsWith('HS');
}

const CURVE_OF: Partial<Record<JwtAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** Whether a public key can verify signatures made with `alg` (the verifier would refuse the others anyway). */
export function keyFitsAlgorithm(key: KeyObject, alg: JwtAlgorithm): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE_OF[alg];
  return false;
}

/**
 * Splits a list of PEM blocks. Env files often carry newlines as the two characters `\n`, so those
 * are turned back into newlines first.
 */
export function splitPemList(text: string): string[] {
  const normalised = text.replace(/\\n/g, '\n');
  return normalised.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
}

/**
 * Consistency rules for a JwtConfig, wherever it came from (env or code). Returns problems, each
 * naming the environment variable to fix; empty means usable.
 */
export function checkJwtConfig(jwt: JwtConfig): string[] {
  const problems: string[] = [];
  const algs = jwt.algorithms;
  if (algs.length === 0) problems.push('HAAAS_JWT_ALGORITHMS: at least one algorithm is required');
  for (const alg of algs as readonly string[]) {
    // `none` would accept unsigned tokens; it is refused by name so nobody "fixes" it into the list
    if (!isJwtAlgorithm(alg)) problems.push(`HAAAS_JWT_ALGORITHMS: "${alg}" is not supported (use ${JWT_ALGORITHMS.join(', ')})`);
  }
  const known = algs.filter((a) => isJwtAlgorithm(a));
  const hmac = known.filter(isHmacAlgorithm);
  const publicKey = known.filter((a) => !isHmacAlgorithm(a));
  if (hmac.length > 0 && publicKey.length > 0) {
    // with one key source for both, a public key could be used as an HMAC secret (algorithm confusion)
    problems.push(`HAAAS_JWT_ALGORITHMS: HMAC (${hmac.join(', ')}) cannot be mixed with public-key algorithms (${publicKey.join(', ')})`);
  }
  if (!jwt.issuer) problems.push('HAAAS_JWT_ISSUER: must not be empty');
  if (!jwt.audience) problems.push('HAAAS_JWT_AUDIENCE: must not be empty');
  if (!Number.isInteger(jwt.clockToleranceSeconds) || jwt.clockToleranceSeconds < 0 || jwt.clockToleranceSeconds > 300) {
    problems.push('clock tolerance must be an integer from 0 to 300 seconds');
  }

  const key = jwt.key;
  switch (key.kind) {
    case 'secret':
      if (publicKey.length > 0) problems.push('HAAAS_JWT_SECRET: a shared secret is set but HAAAS_JWT_ALGORITHMS lists public-key algorithms');
      if (Buffer.byteLength(key.secret, 'utf8') < MIN_JWT_SECRET_BYTES) problems.push(`HAAAS_JWT_SECRET: must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
      break;
    case 'public-keys':
      if (hmac.length > 0) problems.push('HAAAS_JWT_PUBLIC_KEYS: public keys are set but HAAAS_JWT_ALGORITHMS lists HMAC algorithms');
      if (key.publicKeys.length === 0) problems.push('HAAAS_JWT_PUBLIC_KEYS: no PEM block found');
      key.publicKeys.forEach((pem, i) => {
        const problem = checkPublicKey(pem, publicKey);
        if (problem) problems.push(`HAAAS_JWT_PUBLIC_KEYS: key #${i + 1} ${problem}`);
      });
      break;
    case 'jwks':
      if (hmac.length > 0) problems.push('HAAAS_JWT_JWKS_URL: a JWKS is set but HAAAS_JWT_ALGORITHMS lists HMAC algorithms');
      if (!isHttpUrl(key.jwksUrl)) problems.push('HAAAS_JWT_JWKS_URL: must be an http(s) URL');
      break;
  }
  return problems;
}

function checkPublicKey(pem: string, algorithms: readonly JwtAlgorithm[]): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'is not a valid PEM public key or certificate';
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  // jsonwebtoken refuses smaller RSA keys at verification time; say so at startup instead
  if (bits !== undefined && bits < 2048) return `is a ${bits}-bit RSA key; at least 2048 bits are required`;
  if (algorithms.length > 0 && !algorithms.some((alg) => keyFitsAlgorithm(key, alg))) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return `(${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}) fits none of ${algorithms.join(', ')}`;
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
