import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { SystemActor, systemScope, TenantScope } from '@haaas/domain';
import { appendEvent } from '@haaas/management';
import { Store } from '@haaas/persistence';
import { agentTokenFingerprint, agentTokenHashesEqual, hashAgentToken, mintAgentToken, parseAgentToken } from './agent-token';
import { HEARTBEAT_OPTIONS, HEARTBEAT_REDIS, type ResolvedHeartbeatsOptions } from './heartbeats.options';
import type { NodeAgentIdentity } from './heartbeat.types';
import { LocalCache } from '@haaas/cache';

/** A node agent token as issued: the only time the token itself leaves the server. */
export interface IssuedAgentToken {
  readonly nodeId: string;
  readonly token: string;
  readonly issuedAt: Date;
  /** `sha256:<12 hex>`: names the token in the cluster log without revealing it. */
  readonly fingerprint: string;
}

/** What is cached about a node's token: its hash and where the node belongs. */
interface TokenEntry {
  readonly hash: string;
  readonly clusterId: string;
}

/** Redis form of "no such node in that tenant, or no token issued". */
const NONE = '-';

export function agentTokenCacheKey(tenantId: string, nodeId: string): string {
  return `haaas:agent-token:${tenantId}:${nodeId}`;
}

/**
 * Issues node agent tokens (stored as SHA-256 only) and verifies them on every heartbeat without
 * touching MySQL: in-process cache (short TTL), then Redis, then one tenant-scoped read that fills
 * both. Issuing writes the new hash to Redis, so a rotated token is refused at once by Redis and
 * within the in-process TTL by other API replicas.
 */
@Injectable()
export class AgentTokenService {
  private readonly local: LocalCache<TokenEntry | null>;
  private readonly system: (tenantId: string) => TenantScope;

  constructor(
    private readonly store: Store,
    @Inject(HEARTBEAT_REDIS) private readonly redis: Redis,
    @Inject(HEARTBEAT_OPTIONS) private readonly options: ResolvedHeartbeatsOptions,
  ) {
    this.local = new LocalCache(options.localTtlMs, options.localMaxEntries);
    this.system = (tenantId) => systemScope(tenantId, SystemActor.AgentApi);
  }

  /**
   * Creates the node's agent token, or replaces it (the old one stops working), and logs that in
   * the cluster log by fingerprint. The token is returned here and never again.
   */
  async issue(scope: TenantScope, nodeId: string): Promise<IssuedAgentToken> {
    const { token, hash } = mintAgentToken(scope.tenantId, nodeId);
    const key = agentTokenCacheKey(scope.tenantId, nodeId);
    // gone from Redis before the new hash commits: if publishing after the commit fails, the next
    // heartbeat reads the database rather than an old hash
    await this.redis.del(key);
    this.local.delete(key);
    const node = await this.store.transaction(async (repos) => {
      const row = await repos.nodes.lock(scope, nodeId);
      const previous = row.agentTokenHash ?? null;
      row.agentTokenHash = hash;
      const saved = await repos.nodes.save(scope, row);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: previous ? 'node.agent_token_rotated' : 'node.agent_token_issued',
        objectType: 'Node',
        objectId: saved.id,
        nodeId: saved.id,
        before: previous ? { agentToken: agentTokenFingerprint(previous) } : null,
        after: { agentToken: agentTokenFingerprint(hash) },
        message: previous ? 'node agent token rotated: the previous token no longer authenticates' : 'node agent token issued',
      });
      return saved;
    });
    const entry: TokenEntry = { hash, clusterId: node.clusterId };
    // unconditional SET: replaces an old hash a concurrent heartbeat may have cached meanwhile
    await this.redis.set(key, JSON.stringify(entry), 'EX', this.options.tokenCacheTtlSeconds);
    this.local.set(key, entry);
    return { nodeId: node.id, token, issuedAt: new Date(), fingerprint: agentTokenFingerprint(hash) };
  }

  /**
   * Revokes the node's agent token (its agent is refused from now on, as after a rotation) and logs
   * that by fingerprint; a node without a token is left as it is (revoking twice is not an error).
   */
  async revoke(scope: TenantScope, nodeId: string): Promise<void> {
    const revoked = await this.store.transaction(async (repos) => {
      const row = await repos.nodes.lock(scope, nodeId);
      const previous = row.agentTokenHash ?? null;
      if (!previous) return false;
      row.agentTokenHash = null;
      const saved = await repos.nodes.save(scope, row);
      await appendEvent(repos, scope, {
        clusterId: saved.clusterId,
        type: 'node.agent_token_revoked',
        objectType: 'Node',
        objectId: saved.id,
        nodeId: saved.id,
        before: { agentToken: agentTokenFingerprint(previous) },
        after: null,
        message: 'node agent token revoked: it no longer authenticates',
      });
      return true;
    });
    // "none" in Redis, as when the node leaves: a heartbeat's concurrent load cannot put the hash back
    if (revoked) await this.invalidate(scope, nodeId);
  }

  /** The node a token authenticates, or undefined (malformed, unknown, rotated). */
  async verify(token: string | undefined): Promise<NodeAgentIdentity | undefined> {
    if (!token) return undefined;
    const claimed = parseAgentToken(token);
    if (!claimed) return undefined;
    const key = agentTokenCacheKey(claimed.tenantId, claimed.nodeId);
    const entry = await this.local.get(key, () => this.load(key, claimed.tenantId, claimed.nodeId));
    if (!entry || !agentTokenHashesEqual(hashAgentToken(token), entry.hash)) return undefined;
    return { tenantId: claimed.tenantId, clusterId: entry.clusterId, nodeId: claimed.nodeId };
  }

  /**
   * Refuses a node's token from now on, after the node left its cluster (its row, hash included,
   * is gone): Redis gets "none" rather than a delete, so that a heartbeat which read the hash from
   * MySQL just before the commit cannot put it back (its write is SET NX). This process's cache
   * forgets it at once; other API replicas within their in-process TTL (localTtlMs), as for a
   * rotation. Node ids are never reused, so "none" is the truth for good.
   */
  async invalidate(scope: TenantScope, nodeId: string): Promise<void> {
    const key = agentTokenCacheKey(scope.tenantId, nodeId);
    this.local.delete(key);
    await this.redis.set(key, NONE, 'EX', this.options.negativeCacheTtlSeconds);
    // a load that started before the SET may have filled the cache meanwhile
    this.local.delete(key);
  }

  private async load(key: string, tenantId: string, nodeId: string): Promise<TokenEntry | null> {
    const cached = await this.redis.get(key);
    if (cached !== null) return decode(cached);
    // keyed by (tenant, node) and read with the token's tenant: a token naming another tenant's
    // node finds nothing and caches "none" under its own key, never under the real node's
    const node = await this.store.repos.nodes.findById(this.system(tenantId), nodeId);
    const entry: TokenEntry | null = node?.agentTokenHash ? { hash: node.agentTokenHash, clusterId: node.clusterId } : null;
    const ttl = entry ? this.options.tokenCacheTtlSeconds : this.options.negativeCacheTtlSeconds;
    // NX: a hash issued while we read the database wins over what we read
    const stored = await this.redis.set(key, entry ? JSON.stringify(entry) : NONE, 'EX', ttl, 'NX');
    if (stored === 'OK') return entry;
    const winner = await this.redis.get(key);
    return winner === null ? entry : decode(winner);
  }
}

function decode(value: string): TokenEntry | null {
  if (value === NONE) return null;
  try {
    const v = JSON.parse(value) as Partial<TokenEntry>;
    return typeof v.hash === 'string' && typeof v.clusterId === 'string' ? { hash: v.hash, clusterId: v.clusterId } : null;
  } catch {
    return null;
  }
}
