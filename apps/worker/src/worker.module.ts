import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@haaas/config';
import { HeartbeatsModule, hypervisorAdapters } from '@haaas/engine';
import { ManagementModule, sealerOf } from '@haaas/management';
import { PersistenceModule } from '@haaas/persistence';
import { SecretBox } from '@haaas/secrets';

/** The worker process: wiring only (persistence, application services, the engine's modules). */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    const box = new SecretBox({ keys: config.secrets.keys, activeKeyId: config.secrets.activeKeyId });
    return {
      module: WorkerModule,
      imports: [
        PersistenceModule.forRoot({ url: config.database.url, logSql: config.database.logSql }),
        ManagementModule.forRoot({
          defaultQuota: config.quota,
          sealer: sealerOf(box),
          adapters: hypervisorAdapters(),
        }),
        HeartbeatsModule.forRoot({ redisUrl: config.redis.url }),
      ],
    };
  }
}
