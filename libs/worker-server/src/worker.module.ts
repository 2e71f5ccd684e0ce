import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@haaas/config';
import { HaaasMetrics, instrumentAdapters, instrumentAgentActions } from '@haaas/metrics';
import { DetectorModule } from '@haaas/detector';
import { HeartbeatsModule } from '@haaas/heartbeats';
import { hypervisorAdapterOptions, hypervisorAdapters } from '@haaas/engine-runtime';
import { NodeActionsModule } from '@haaas/node-actions';
import { OperationsWorkerModule } from '@haaas/operations';
import { RecoveryModule } from '@haaas/recovery';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { RedisModule } from '@haaas/redis';
import { SecretBox } from '@haaas/secrets';
import { WebhooksModule } from '@haaas/webhooks';
import { LoggingModule, type LoggingOptions } from '@haaas/logging';
import { WORKER_METRICS_CONFIG, WorkerMetricsRuntime } from './worker-metrics.runtime';

/**
 * The worker process: wiring only (persistence, application services, the engine's modules). Its
 * own composition (ADR 0016): the detector, recovery and the operations' workers, with one
 * ServiceRunner and one ServiceClaims (the RecoveryModule's) and one node-actions broker; no live
 * feed, no dry run. Its Redis connections all come from RedisModule, imported before every module
 * that uses them (right after the logger) so that they close after all have stopped.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, logging: Omit<LoggingOptions, 'service'> = config.logging ?? { format: 'json', level: 'info' }, metrics: HaaasMetrics | null = null): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    // one adapter map and one sealer for the whole process
    const plain = hypervisorAdapters(hypervisorAdapterOptions(config));
    const adapters = metrics ? instrumentAdapters(plain, metrics) : plain;
    const sealer = sealerOf(box);
    return {
      module: WorkerModule,
      imports: [
        LoggingModule.forRoot({ service: 'worker', ...logging }),
        RedisModule.forRoot({ url: config.redis.url }),
        PersistenceModule.forRoot({ url: config.database.url, logSql: config.database.logSql }),
        ManagementModule.forRoot({
          defaultQuota: config.quota,
          sealer,
          adapters,
        }),
        HeartbeatsModule.forRoot(),
        // IP, APPLICATION and VOLUME resources through the node agents, for recovery and operations alike
        // (with metrics, their round trips timed)
        NodeActionsModule.forRoot(metrics ? { wrapDriver: (driver) => instrumentAgentActions(driver, metrics) } : {}),
        RecoveryModule.forRoot({ adapters, sealer }),
        DetectorModule.forRoot({ adapters }),
        // runs the operations the API queues (operation.run)
        OperationsWorkerModule.forRoot({ adapters, sealer }),
        // POSTs the webhook deliveries the API and the engine queue (webhook.deliver)
        WebhooksModule.forRoot({ sealer, runWorkers: true, ...config.webhooks }),
      ],
      providers: metrics
        ? [
            { provide: HaaasMetrics, useValue: metrics },
            { provide: WORKER_METRICS_CONFIG, useValue: config.metrics ?? null },
            WorkerMetricsRuntime,
          ]
        : [],
    };
  }
}
