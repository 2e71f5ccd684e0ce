import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AgentApiModule } from '@haaas/agent-api';
import { AuthModule, RateLimiter } from '@haaas/auth';
import { type AppConfig, connectRedis, DEFAULT_API_LIMITS } from '@haaas/config';
import { FailureReportsModule } from '@haaas/detector';
import { HeartbeatsModule } from '@haaas/heartbeats';
import { hypervisorAdapterOptions, hypervisorAdapters } from '@haaas/engine-runtime';
import { NodeActionsModule } from '@haaas/node-actions';
import { OperationsModule } from '@haaas/operations';
import { GraphqlApiModule } from '@haaas/graphql-api';
import { ManagementModule, sealerOf, TenantDirectoryService } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { WebhooksModule } from '@haaas/webhooks';
import { LoggingModule, type LoggingOptions } from '@haaas/logging';
import { HealthController, REDIS_CLIENT } from './health.controller';
import { QueueBoardController } from './queue-board.controller';

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The configured log format and level (JSON at info when the configuration does not say). */
export function loggingOf(config: AppConfig): Omit<LoggingOptions, 'service'> {
  return config.logging ?? { format: 'json', level: 'info' };
}

/** The API process: wiring only. Everything it does lives in the libraries. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logging: Omit<LoggingOptions, 'service'> = loggingOf(config)): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    const adapters = hypervisorAdapters(hypervisorAdapterOptions(config));
    const sealer = sealerOf(box);
    const api = config.api ?? DEFAULT_API_LIMITS;
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot({ service: 'api', ...logging }),
        PersistenceModule.forRoot({ url: config.database.url, logSql: config.database.logSql }),
        ManagementModule.forRoot({
          defaultQuota: config.quota,
          sealer,
          adapters,
        }),
        AuthModule.forRoot({
          jwt: config.jwt,
          // tenants are provisioned on first use of a valid token
          tenantDirectory: TenantDirectoryService,
          ...(config.keystone ? { keystone: config.keystone } : {}),
          rateLimiter: RateLimiter.connect(config.redis.url, api.rate),
        }),
        GraphqlApiModule.forRoot({
          introspection: api.introspection,
          landingPage: api.landingPage,
          limits: { query: api.query, deadlineMs: api.deadlineMs },
          wsMaxMessageBytes: api.wsMaxMessageBytes,
        }),
        // node agents: heartbeats into Redis, tokens verified without MySQL (POST /v1/agent/heartbeat)
        HeartbeatsModule.forRoot({ redisUrl: config.redis.url }),
        // node agents' resource actions: long poll and results (POST /v1/agent/actions/...)
        NodeActionsModule.forRoot({ redisUrl: config.redis.url }),
        // external monitors' failure reports, confirmed by the detector
        FailureReportsModule.forRoot({ redisUrl: config.redis.url }),
        AgentApiModule,
        // operations are asked for here and run by the workers; subscriptions read the live feeds
        OperationsModule.forRoot({ redisUrl: config.redis.url, adapters, sealer }),
        // cluster webhooks: managed and tested here, their deliveries queued here and POSTed by the workers
        WebhooksModule.forRoot({ redisUrl: config.redis.url, sealer, runWorkers: false, ...config.webhooks }),
      ],
      controllers: [HealthController, QueueBoardController],
      providers: [
        {
          provide: REDIS_CLIENT,
          useFactory: () => connectRedis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }),
        },
        RedisCloser,
      ],
    };
  }
}
