import { connectRedis } from '@haaas/config';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AgentTokenService } from './agent-token.service';
import { HeartbeatIntake } from './heartbeat-intake.service';
import { HeartbeatStore } from './heartbeat.store';
import { HEARTBEAT_OPTIONS, HEARTBEAT_REDIS, HeartbeatsOptions, resolveHeartbeatsOptions, type ResolvedHeartbeatsOptions } from './heartbeats.options';
import { LeftNodeCleanup } from './left-node.cleanup';

const OWNS_REDIS = Symbol('HEARTBEAT_OWNS_REDIS');

class HeartbeatRedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(HEARTBEAT_REDIS) private readonly redis: Redis,
    @Inject(OWNS_REDIS) private readonly owned: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Node agent heartbeats: token issue and verification, the Redis store, the intake the REST
 * transport calls. Global, so the GraphQL and REST transports inject its services directly.
 * Needs the persistence module's Store (global).
 */
@Module({})
export class HeartbeatsModule {
  static forRoot(options: HeartbeatsOptions): DynamicModule {
    if (!options.redis && !options.redisUrl) throw new Error('HeartbeatsModule: give redisUrl or redis');
    const resolved = resolveHeartbeatsOptions(options);
    return {
      module: HeartbeatsModule,
      global: true,
      providers: [
        { provide: HEARTBEAT_OPTIONS, useValue: resolved },
        { provide: OWNS_REDIS, useValue: !options.redis },
        {
          provide: HEARTBEAT_REDIS,
          // its own connection: auto-pipelining batches the concurrent heartbeats of one event-loop
          // turn into one write, and a slow Redis fails a heartbeat in 2 s rather than queueing it
          useFactory: () =>
            options.redis ??
            connectRedis(options.redisUrl ?? '', { enableAutoPipelining: true, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'haaas-heartbeats' }),
        },
        {
          provide: HeartbeatStore,
          useFactory: (redis: Redis, o: ResolvedHeartbeatsOptions) => new HeartbeatStore(redis, { retentionMs: o.retentionMs }),
          inject: [HEARTBEAT_REDIS, HEARTBEAT_OPTIONS],
        },
        AgentTokenService,
        HeartbeatIntake,
        LeftNodeCleanup,
        HeartbeatRedisCloser,
      ],
      exports: [HeartbeatStore, AgentTokenService, HeartbeatIntake],
    };
  }
}
