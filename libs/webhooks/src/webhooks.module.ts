import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import Redis from 'ioredis';
import { JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { WebhookDeliveryHandler } from './webhook.delivery';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookService } from './webhook.service';
import { WEBHOOK_OPTIONS, WEBHOOK_SEALER, type WebhooksOptions } from './webhooks.tokens';

/** The delivery workers, in the processes that run them (runWorkers). */
@Injectable()
class WebhookWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private redis?: Redis;
  private workers: Worker[] = [];

  constructor(
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
    private readonly handler: WebhookDeliveryHandler,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.runWorkers) return;
    this.redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null, connectionName: 'haaas-webhooks-worker' });
    this.redis.on('error', () => undefined);
    this.workers = startWorkers(this.redis, [QUEUES.webhooks], new JobRegistry().register(this.handler), { concurrency: 8 });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * Outbound webhooks per cluster: the service behind the API, the dispatcher that queues a
 * delivery job after each commit that wrote deliveries, and (runWorkers) the workers that POST
 * them. Needs the persistence module's Store (global). Global, so the GraphQL transport injects
 * WebhookService directly.
 */
@Module({})
export class WebhooksModule {
  static forRoot(options: WebhooksOptions): DynamicModule {
    return {
      module: WebhooksModule,
      global: true,
      providers: [
        { provide: WEBHOOK_OPTIONS, useValue: options },
        { provide: WEBHOOK_SEALER, useValue: options.sealer },
        WebhookDispatcher,
        WebhookService,
        WebhookDeliveryHandler,
        WebhookWorkers,
      ],
      exports: [WebhookService],
    };
  }
}
