import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@haaas/config';
import { DetectorModule } from '@haaas/detector';
import { HeartbeatsModule } from '@haaas/heartbeats';
import { hypervisorAdapterOptions, hypervisorAdapters } from '@haaas/engine-runtime';
import { OperationsModule } from '@haaas/operations';
import { RecoveryModule } from '@haaas/recovery';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';
import { WebhooksModule } from '@haaas/webhooks';
import { LoggingModule, type LoggingOptions } from '@haaas/logging';

/** The worker process: wiring only (persistence, application services, the engine's modules). */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, logging: Omit<LoggingOptions, 'service'> = config.logging ?? { format: 'json', level: 'info' }): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    // one adapter map and one sealer for the whole process
    const adapters = hypervisorAdapters(hypervisorAdapterOptions(config));
    const sealer = sealerOf(box);
    return {
      module: WorkerModule,
      imports: [
        LoggingModule.forRoot({ service: 'worker', ...logging }),
        PersistenceModule.forRoot({ url: config.database.url, logSql: config.database.logSql }),
        ManagementModule.forRoot({
          defaultQuota: config.quota,
          sealer,
          adapters,
        }),
        HeartbeatsModule.forRoot({ redisUrl: config.redis.url }),
        RecoveryModule.forRoot({ redisUrl: config.redis.url, adapters, sealer }),
        DetectorModule.forRoot({ redisUrl: config.redis.url, adapters }),
        // runs the operations the API queues (operation.run)
        OperationsModule.forRoot({ redisUrl: config.redis.url, adapters, sealer, runWorkers: true, live: false }),
        // POSTs the webhook deliveries the API and the engine queue (webhook.deliver)
        WebhooksModule.forRoot({ redisUrl: config.redis.url, sealer, runWorkers: true, ...config.webhooks }),
      ],
    };
  }
}
