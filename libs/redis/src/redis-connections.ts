import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { connectRedis } from '@haaas/config';
import { connectionNameOf, REDIS_PURPOSES, type RedisPurpose } from './redis-purposes';

export interface RedisConnectionsOptions {
  /** `redis://`, `rediss://` or `redis-sentinel://` URL (connectRedis). */
  readonly url: string;
  /** Prefix of the connections' client names (default `haaas`): a test tells its own apart in CLIENT LIST. */
  readonly namePrefix?: string;
}

/**
 * The process's Redis connections, one per purpose, opened on first use through connectRedis and
 * all closed here on shutdown: the one place a process connects to Redis. Modules inject this and
 * ask for their purpose; none opens or closes a connection of its own. (BullMQ workers duplicate
 * their connection for blocking reads; those duplicates are theirs and end with Worker.close().)
 */
export class RedisConnections implements OnApplicationShutdown {
  private readonly open = new Map<RedisPurpose, Redis>();
  private readonly dedicatedOnes: Redis[] = [];
  private readonly logger = new Logger('Redis');
  private closed = false;

  constructor(private readonly options: RedisConnectionsOptions) {}

  /** The connection of `purpose` (the same client on every call). */
  get(purpose: RedisPurpose): Redis {
    if (this.closed) throw new Error(`Redis connections are closed (asked for ${purpose})`);
    let redis = this.open.get(purpose);
    if (!redis) {
      redis = this.connect(purpose);
      this.open.set(purpose, redis);
    }
    return redis;
  }

  /**
   * A connection of `purpose` of its own (a new client on every call), for a reader that blocks it
   * (BullMQ's QueueEvents XREAD): still opened and closed here.
   */
  dedicated(purpose: RedisPurpose): Redis {
    if (this.closed) throw new Error(`Redis connections are closed (asked for ${purpose})`);
    const redis = this.connect(purpose);
    this.dedicatedOnes.push(redis);
    return redis;
  }

  /** A new connection with the purpose's options and name, its errors reported. */
  private connect(purpose: RedisPurpose): Redis {
    const name = connectionNameOf(purpose, this.options.namePrefix);
    const redis = connectRedis(this.options.url, { ...REDIS_PURPOSES[purpose], connectionName: name });
    this.reportErrors(redis, name);
    return redis;
  }

  /** The purposes connected so far (for tests and diagnostics). */
  purposes(): RedisPurpose[] {
    return [...this.open.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values(), ...this.dedicatedOnes.splice(0)];
    this.open.clear();
    await Promise.all(
      all.map(async (redis) => {
        // lazy and never used: nothing to say goodbye to
        if (redis.status === 'wait') return redis.disconnect();
        await redis.quit().catch(() => redis.disconnect());
      }),
    );
  }

  /** ioredis reconnects by itself; without a listener it prints every failed attempt: once a minute per connection is enough. */
  private reportErrors(redis: Redis, name: string): void {
    let last = -Infinity;
    redis.on('error', (err: Error) => {
      if (performance.now() - last < 60_000) return;
      last = performance.now();
      this.logger.warn(`${name}: ${err.message} (reconnecting)`);
    });
  }
}
