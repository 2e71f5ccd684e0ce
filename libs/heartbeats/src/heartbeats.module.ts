import { DynamicModule, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnections } from '@haaas/redis';
import { AgentTokenService } from './agent-token.service';
import { HeartbeatIntake } from './heartbeat-intake.service';
import { HeartbeatStore } from './heartbeat.store';
import { HEARTBEAT_OPTIONS, HEARTBEAT_REDIS, HeartbeatsOptions, resolveHeartbeatsOptions, type ResolvedHeartbeatsOptions } from './heartbeats.options';
import { LeftNodeCleanup } from './left-node.cleanup';

/**
 * Node agent heartbeats: token issue and verification, the Redis store, the intake the REST
 * transport calls. Global, so the GraphQL and REST transports inject its services directly.
 * Needs the persistence module's Store and the process's RedisConnections (both global).
 */
@Module({})
export class HeartbeatsModule {
  static forRoot(options: HeartbeatsOptions = {}): DynamicModule {
    const resolved = resolveHeartbeatsOptions(options);
    return {
      module: HeartbeatsModule,
      global: true,
      providers: [
        { provide: HEARTBEAT_OPTIONS, useValue: resolved },
        { provide: HEARTBEAT_REDIS, useFactory: (connections: RedisConnections) => connections.get('heartbeats'), inject: [RedisConnections] },
        {
          provide: HeartbeatStore,
          useFactory: (redis: Redis, o: ResolvedHeartbeatsOptions) => new HeartbeatStore(redis, { retentionMs: o.retentionMs }),
          inject: [HEARTBEAT_REDIS, HEARTBEAT_OPTIONS],
        },
        AgentTokenService,
        HeartbeatIntake,
        LeftNodeCleanup,
      ],
      exports: [HeartbeatStore, AgentTokenService, HeartbeatIntake],
    };
  }
}
