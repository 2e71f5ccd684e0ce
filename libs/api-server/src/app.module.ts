import { DynamicModule, Module } from '@nestjs/common';
import { AgentApiModule } from '@haaas/agent-api';
import { AuthModule } from '@haaas/auth';
import { type AppConfig, DEFAULT_API_LIMITS } from '@haaas/config';
import { FailureReportsModule } from '@haaas/detector';
import { HeartbeatsModule } from '@haaas/heartbeats';
import { hypervisorAdapterOptions, hypervisorAdapters } from '@haaas/engine-runtime';
import { NodeActionsModule } from '@haaas/node-actions';
import { OperationsApiModule } from '@haaas/operations';
import { GraphqlApiModule } from '@haaas/graphql-api';
import { graphqlMetricsPlugin, type HaaasMetrics, instrumentAdapters } from '@haaas/metrics';
import { ManagementModule, sealerOf, TenantDirectoryService } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { RedisConnections, RedisModule } from '@haaas/redis';
import { SecretBox } from '@haaas/secrets';
import { WebhooksModule } from '@haaas/webhooks';
import { LoggingModule, type LoggingOptions } from '@haaas/logging';
import { HealthController, REDIS_CLIENT } from './health.controller';
import { QueueBoardController } from './queue-board.controller';

/** The configured log format and level (JSON at info when the configuration does not say). */
export function loggingOf(config: AppConfig): Omit<LoggingOptions, 'service'> {
  return config.logging ?? { format: 'json', level: 'info' };
}

/**
 * The API process: wiring only. Everything it does lives in the libraries. Its own composition
 * (ADR 0017): requests, queries and live feeds, no queue worker, detector or recovery; its Redis
 * connections all come from RedisModule, imported before every module that uses them (right after
 * the logger) so that they close after them.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logging: Omit<LoggingOptions, 'service'> = loggingOf(config), metrics: HaaasMetrics | null = null): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    const plain = hypervisorAdapters(hypervisorAdapterOptions(config));
    const adapters = metrics ? instrumentAdapters(plain, metrics) : plain;
    const sealer = sealerOf(box);
    const api = config.api ?? DEFAULT_API_LIMITS;
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot({ service: 'api', ...logging }),
        RedisModule.forRoot({ url: config.redis.url }),
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
          rateLimits: api.rate,
        }),
        GraphqlApiModule.forRoot({
          introspection: api.introspection,
          landingPage: api.landingPage,
          limits: { query: api.query, deadlineMs: api.deadlineMs },
          wsMaxMessageBytes: api.wsMaxMessageBytes,
          plugins: metrics ? [graphqlMetricsPlugin(metrics)] : [],
        }),
        // node agents: heartbeats into Redis, tokens verified without MySQL (POST /v1/agent/heartbeat)
        HeartbeatsModule.forRoot(),
        // node agents' resource actions: long poll and results (POST /v1/agent/actions/...)
        NodeActionsModule.forRoot(),
        // external monitors' failure reports, confirmed by the detector
        FailureReportsModule.forRoot(),
        AgentApiModule,
        // operations are asked for here and run by the workers; subscriptions read the live feeds
        OperationsApiModule.forRoot(),
        // cluster webhooks: managed and tested here, their deliveries queued here and POSTed by the workers
        WebhooksModule.forRoot({ sealer, runWorkers: false, ...config.webhooks }),
      ],
      controllers: [HealthController, QueueBoardController],
      providers: [
        { provide: REDIS_CLIENT, useFactory: (connections: RedisConnections) => connections.get('health'), inject: [RedisConnections] },
      ],
    };
  }
}
