import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { DEFAULT_CLUSTER_POLICY, SystemActor, systemScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import { AgentTokenService } from './agent-token.service';
import { HeartbeatStore } from './heartbeat.store';
import { HEARTBEAT_OPTIONS, HEARTBEAT_REDIS, type ResolvedHeartbeatsOptions } from './heartbeats.options';
import type { HeartbeatReport, NodeAgentIdentity } from './heartbeat.types';
import { LocalCache } from '@haaas/cache';

/** What the API answers a heartbeat with. */
export interface HeartbeatAck {
  /** The cluster's heartbeat interval: the agent adopts it, so it is changed centrally. */
  readonly intervalSeconds: number;
  /** When the heartbeat was recorded (Redis's clock, ms): lets the agent see its clock skew. */
  readonly seenAt: number;
}

export function intervalCacheKey(tenantId: string, clusterId: string): string {
  return `haaas:agent-interval:${tenantId}:${clusterId}`;
}

/**
 * The heartbeat path: authenticate the agent's token, record the heartbeat in Redis, answer with
 * the cluster's interval. In the steady state that is one Redis round trip (the record script);
 * the token and the interval come from in-process caches refreshed from Redis, and from MySQL
 * only when Redis has forgotten them.
 */
@Injectable()
export class HeartbeatIntake {
  private readonly intervals: LocalCache<number>;

  constructor(
    private readonly tokens: AgentTokenService,
    private readonly heartbeats: HeartbeatStore,
    private readonly store: Store,
    @Inject(HEARTBEAT_REDIS) private readonly redis: Redis,
    @Inject(HEARTBEAT_OPTIONS) private readonly options: ResolvedHeartbeatsOptions,
  ) {
    this.intervals = new LocalCache(options.localTtlMs, options.localMaxEntries);
  }

  /** The node the bearer token authenticates, or undefined (the caller answers 401). */
  authenticate(token: string | undefined): Promise<NodeAgentIdentity | undefined> {
    return this.tokens.verify(token);
  }

  async receive(node: NodeAgentIdentity, report: HeartbeatReport): Promise<HeartbeatAck> {
    const [seenAt, intervalSeconds] = await Promise.all([this.heartbeats.record(node, report), this.intervalOf(node.tenantId, node.clusterId)]);
    return { intervalSeconds, seenAt };
  }

  private intervalOf(tenantId: string, clusterId: string): Promise<number> {
    const key = intervalCacheKey(tenantId, clusterId);
    return this.intervals.get(key, async () => {
      const cached = await this.redis.get(key);
      if (cached !== null && Number.isInteger(Number(cached))) return Number(cached);
      const scope = systemScope(tenantId, SystemActor.AgentApi);
      const cluster = await this.store.repos.clusters.findById(scope, clusterId);
      const interval = cluster?.heartbeatIntervalSeconds ?? DEFAULT_CLUSTER_POLICY.heartbeatIntervalSeconds;
      await this.redis.set(key, String(interval), 'EX', this.options.intervalCacheTtlSeconds);
      return interval;
    });
  }
}
