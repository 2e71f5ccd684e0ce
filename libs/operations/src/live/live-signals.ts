import type Redis from 'ioredis';
import type { TenantScope } from '@haaas/domain';

/**
 * Wake-up calls between processes over Redis pub/sub: "cluster C of tenant T has new events",
 * "operation O changed". They carry no data. The subscribers read what changed from MySQL, so a
 * stream is ordered, complete and tenant-scoped by the same repositories as every query, and a
 * lost message (pub/sub is at most once) costs latency, not events: each feed also polls.
 *
 * ioredis pub/sub directly rather than graphql-redis-subscriptions: what crosses Redis here is a
 * wake-up, not a payload to fan out, so that library's value (serialising payloads into
 * PubSubEngine iterators) does not apply; the part we need, one subscriber connection with
 * reference-counted channel subscriptions, is the few lines below.
 */
export const LIVE_CHANNEL_PREFIX = 'haaas:live:';

export function clusterEventsChannel(tenantId: string, clusterId: string): string {
  return `${LIVE_CHANNEL_PREFIX}events:${tenantId}:${clusterId}`;
}

/** Every cluster of a tenant may have new events (sent after any change through the API). */
export function tenantEventsChannel(tenantId: string): string {
  return `${LIVE_CHANNEL_PREFIX}tenant:${tenantId}`;
}

export function operationChannel(tenantId: string, operationId: string): string {
  return `${LIVE_CHANNEL_PREFIX}operation:${tenantId}:${operationId}`;
}

/** Sends wake-ups. A failure is logged and swallowed: the listeners' polling covers it. */
export class LiveSignalPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  async clusterEvents(scope: TenantScope, clusterId: string): Promise<void> {
    await this.clusterEventsOf(scope.tenantId, clusterId);
  }

  /** The same, from a tenant id (what the Store's commit observers see). */
  async clusterEventsOf(tenantId: string, clusterId: string): Promise<void> {
    await this.publish(clusterEventsChannel(tenantId, clusterId));
  }

  /** Any of the tenant's clusters may have new events: cheaper than knowing which, for writers that do not say. */
  async tenantEvents(tenantId: string): Promise<void> {
    await this.publish(tenantEventsChannel(tenantId));
  }

  async operation(scope: TenantScope, operationId: string): Promise<void> {
    await this.publish(operationChannel(scope.tenantId, operationId));
  }

  private async publish(channel: string): Promise<void> {
    try {
      await this.redis.publish(channel, '1');
    } catch (err) {
      this.log(`live signal on ${channel} not sent (listeners will poll): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Receives wake-ups on one dedicated connection (a subscribed Redis connection can do nothing else). */
export class LiveSignalListener {
  private readonly handlers = new Map<string, Set<() => void>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    subscriber.on('message', (channel: string) => {
      for (const h of this.handlers.get(channel) ?? []) h();
    });
  }

  /** Calls `handler` on each wake-up of `channel` until the returned function is called. */
  listen(channel: string, handler: () => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      // ioredis re-subscribes by itself after a reconnect
      this.subscriber.subscribe(channel).catch((err: unknown) => this.log(`subscribe ${channel} failed (polling only): ${err instanceof Error ? err.message : String(err)}`));
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Channels subscribed now (for tests and metrics). */
  get channels(): string[] {
    return [...this.handlers.keys()];
  }
}
