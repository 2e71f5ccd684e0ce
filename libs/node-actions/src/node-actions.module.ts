import { connectRedis } from '@haaas/config';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { NodeActionBroker } from './node-action.broker';

export const NODE_ACTIONS_REDIS = Symbol('NODE_ACTIONS_REDIS');
const OWNS_REDIS = Symbol('NODE_ACTIONS_OWNS_REDIS');

export interface NodeActionsOptions {
  /** redis:// URL (a connection of this module's own, plus one for pub/sub once a long poll waits). */
  readonly redisUrl?: string;
  /** Or a connection the caller owns (and closes); the subscriber is a duplicate of it. */
  readonly redis?: Redis;
}

/** The Redis connection of node actions: a command that cannot be sent fails within seconds instead of queueing. */
export function nodeActionsRedis(redisUrl: string): Redis {
  return connectRedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 5000, connectionName: 'haaas-node-actions' });
}

class NodeActionsCloser implements OnApplicationShutdown {
  constructor(
    private readonly broker: NodeActionBroker,
    @Inject(NODE_ACTIONS_REDIS) private readonly redis: Redis,
    @Inject(OWNS_REDIS) private readonly owned: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
    // lazy: an API that never served an agent never connected
    if (this.owned && this.redis.status === 'wait') this.redis.disconnect();
    else if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The API side of node actions: the NodeActionBroker the agent transport's long poll and result
 * endpoints use. Global, like the HeartbeatsModule next to which the API imports it.
 */
@Module({})
export class NodeActionsModule {
  static forRoot(options: NodeActionsOptions): DynamicModule {
    if (!options.redis && !options.redisUrl) throw new Error('NodeActionsModule: give redisUrl or redis');
    return {
      module: NodeActionsModule,
      global: true,
      providers: [
        { provide: OWNS_REDIS, useValue: !options.redis },
        { provide: NODE_ACTIONS_REDIS, useFactory: () => options.redis ?? nodeActionsRedis(options.redisUrl ?? '') },
        { provide: NodeActionBroker, useFactory: (redis: Redis) => new NodeActionBroker(redis), inject: [NODE_ACTIONS_REDIS] },
        NodeActionsCloser,
      ],
      exports: [NodeActionBroker],
    };
  }
}
