import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimitedError, type TenantScope } from '@haaas/domain';
import type { RateLimit } from '@haaas/config';
import { type Bucket, TokenBuckets } from './token-buckets';

export interface RateLimits {
  readonly tenant: RateLimit;
  readonly subject: RateLimit;
  readonly node: RateLimit;
}

/** A tenant's own limits (set by a platform admin); what it leaves out is the default. */
export type TenantRateOverrides = Partial<Pick<RateLimits, 'tenant' | 'subject'>>;

const PREFIX = 'haaas:rate';
/** How long a replica reuses a tenant's overrides before reading them again. */
const OVERRIDE_TTL_MS = 5_000;

/**
 * Per-tenant, per-subject and per-node request limits (token buckets in Redis). A request takes
 * a token from its tenant's and its subject's buckets at once; a node agent's call from its node's.
 * If Redis does not answer, requests pass (logged): the limiter protects the API, it must not be
 * what takes it down.
 */
export class RateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly buckets: TokenBuckets;
  private readonly overrides = new Map<string, { at: number; value: TenantRateOverrides }>();

  constructor(
    private readonly redis: Redis,
    readonly defaults: RateLimits,
  ) {
    this.buckets = new TokenBuckets(redis);
  }

  /** The limits that apply to a tenant: its overrides over the defaults. */
  async limitsOf(tenantId: string): Promise<RateLimits> {
    const cached = this.overrides.get(tenantId);
    let value = cached && Date.now() - cached.at < OVERRIDE_TTL_MS ? cached.value : undefined;
    if (!value) {
      const raw = await this.redis.get(`${PREFIX}:limits:${tenantId}`);
      value = raw ? (JSON.parse(raw) as TenantRateOverrides) : {};
      this.overrides.set(tenantId, { at: Date.now(), value });
    }
    return { ...this.defaults, ...value };
  }

  /** A tenant's own overrides as stored (not cached: what an admin reads back after a change). */
  async overridesOf(tenantId: string): Promise<TenantRateOverrides> {
    const raw = await this.redis.get(`${PREFIX}:limits:${tenantId}`);
    return raw ? (JSON.parse(raw) as TenantRateOverrides) : {};
  }

  /** Sets (or, with null, resets to the default) a tenant's limits; every replica sees it within OVERRIDE_TTL_MS. */
  async setTenantLimits(tenantId: string, overrides: TenantRateOverrides): Promise<RateLimits> {
    const key = `${PREFIX}:limits:${tenantId}`;
    if (overrides.tenant || overrides.subject) await this.redis.set(key, JSON.stringify(overrides));
    else await this.redis.del(key);
    this.overrides.delete(tenantId);
    return this.limitsOf(tenantId);
  }

  /** Takes a token for a user's request; RateLimitedError when its tenant or it is out of them. */
  async takeForCaller(scope: TenantScope): Promise<void> {
    await this.guarded(async () => {
      const limits = await this.limitsOf(scope.tenantId);
      const subject = scope.actor.subject;
      const buckets: Bucket[] = [
        { key: `${PREFIX}:tenant:${scope.tenantId}`, ...limits.tenant },
        { key: `${PREFIX}:subject:${scope.tenantId}:${subject}`, ...limits.subject },
      ];
      return { wait: await this.buckets.take(buckets), bucket: buckets };
    });
  }

  /** Takes a token for a node agent's call (heartbeats, action polls), per node. */
  async takeForNode(tenantId: string, nodeId: string): Promise<void> {
    await this.guarded(async () => {
      const buckets: Bucket[] = [{ key: `${PREFIX}:node:${tenantId}:${nodeId}`, ...this.defaults.node }];
      return { wait: await this.buckets.take(buckets), bucket: buckets };
    });
  }

  private async guarded(take: () => Promise<{ wait: number; bucket: Bucket[] }>): Promise<void> {
    let outcome: { wait: number; bucket: Bucket[] };
    try {
      outcome = await take();
    } catch (err) {
      this.logger.warn(`rate limit not checked (Redis): ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (outcome.wait > 0) {
      const which = outcome.bucket.length > 1 ? 'tenant or subject' : 'node';
      throw new RateLimitedError(which, Math.max(1, Math.ceil(outcome.wait / 1000)));
    }
  }
}
