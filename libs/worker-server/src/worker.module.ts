import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@haaas/config';
import { HaaasMetrics, instrumentAdapters, instrumentAgentActions } from '@haaas/metrics';
import { createAgentNodeResourceDriver } from '@haaas/node-actions';
import { DetectorModule } from '@haaas/detector';
import { HeartbeatsModule } from '@haaas/heartbeats';
import { hypervisorAdapterOptions, hypervisorAdapters } from '@haaas/engine-runtime';
import { OperationsModule } from '@haaas/operations';
import { RecoveryModule } from '@haaas/recovery';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { WebhooksModule } from '@haaas/webhooks';
import { WORKER_METRICS_CONFIG, WORKER_OWNED_LINKS, WORKER_REDIS_URL, WorkerMetricsRuntime } from './worker-metrics.runtime';

/** The worker process: wiring only (persistence, application services, the engine's modules). */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, metrics: HaaasMetrics | null = null): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    // one adapter map and one sealer for the whole process
    const plain = hypervisorAdapters(hypervisorAdapterOptions(config));
    const adapters = metrics ? instrumentAdapters(plain, metrics) : plain;
    const sealer = sealerOf(box);
    // with metrics, the node agents' driver is made here to time its round trips (else recovery makes its own)
    const agents = metrics ? createAgentNodeResourceDriver({ redisUrl: config.redis.url }) : null;
    return {
      module: WorkerModule,
      imports: [
        PersistenceModule.forRoot({ url: config.database.url, logSql: config.database.logSql }),
        ManagementModule.forRoot({
          defaultQuota: config.quota,
          sealer,
          adapters,
        }),
        HeartbeatsModule.forRoot({ redisUrl: config.redis.url }),
        RecoveryModule.forRoot({ redisUrl: config.redis.url, adapters, sealer, ...(agents && metrics ? { nodeResources: instrumentAgentActions(agents.driver, metrics) } : {}) }),
        DetectorModule.forRoot({ redisUrl: config.redis.url, adapters }),
        // runs the operations the API queues (operation.run)
        OperationsModule.forRoot({ redisUrl: config.redis.url, adapters, sealer, runWorkers: true, live: false }),
        // POSTs the webhook deliveries the API and the engine queue (webhook.deliver)
        WebhooksModule.forRoot({ redisUrl: config.redis.url, sealer, runWorkers: true, ...config.webhooks }),
      ],
      providers: metrics
        ? [
            { provide: HaaasMetrics, useValue: metrics },
            { provide: WORKER_METRICS_CONFIG, useValue: config.metrics ?? null },
            { provide: WORKER_REDIS_URL, useValue: config.redis.url },
            { provide: WORKER_OWNED_LINKS, useValue: agents ? [agents] : [] },
            WorkerMetricsRuntime,
          ]
        : [],
    };
  }
}
