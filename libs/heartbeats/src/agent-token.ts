import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Node agent tokens: `hna_<tenantId>.<nodeId>.<secret>`, the secret 32 random bytes in base64url.
 *
 * The token names its node, so the server finds the stored hash by key instead of scanning; it
 * also names its tenant, so the one database read on a cache miss is a tenant-scoped read like any
 * other (there is no unscoped path to the nodes table, ADR 0002). Only the SHA-256 of the whole
 * token is stored: a copy of the database or of Redis does not let anyone send heartbeats.
 */
export const AGENT_TOKEN_PREFIX = 'hna_';

const SECRET_BYTES = 32;
const TOKEN_PATTERN = /^hna_([A-Za-z0-9_-]{1,64})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface MintedAgentToken {
  readonly token: string;
  /** SHA-256 of the token, hex: what is stored. */
  readonly hash: string;
}

export function mintAgentToken(tenantId: string, nodeId: string): MintedAgentToken {
  const token = `${AGENT_TOKEN_PREFIX}${tenantId}.${nodeId}.${randomBytes(SECRET_BYTES).toString('base64url')}`;
  if (!TOKEN_PATTERN.test(token)) throw new Error('agent token: tenant or node id of an unexpected form');
  return { token, hash: hashAgentToken(token) };
}

/** The tenant and node a token claims, or undefined when it is not an agent token at all. */
export function parseAgentToken(token: string): { readonly tenantId: string; readonly nodeId: string } | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m && m[1] && m[2] ? { tenantId: m[1], nodeId: m[2] } : undefined;
}

export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two stored-form hashes in constant time (false for anything that is not one). */
export function agentTokenHashesEqual(a: string, b: string): boolean {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * A short, non-secret name of a token for logs and events (`sha256:` and 12 hex digits of its
 * hash): lets an operator tell which token an agent holds without anyone seeing the token.
 */
export function agentTokenFingerprint(hash: string): string {
  return `sha256:${hash.slice(0, 12)}`;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return m?.[1];
}
