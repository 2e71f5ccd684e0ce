import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import { JobRegistry, QUEUES, startWorkers } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { WebhookDeliveryHandler } from './webhook.delivery';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookOutboxSweeper } from './webhook.sweeper';
import { WebhookService } from './webhook.service';
import { WEBHOOK_OPTIONS, WEBHOOK_SEALER, type WebhooksOptions } from './webhooks.tokens';

/** The delivery workers and the outbox sweeper, in the processes that run them (runWorkers). */
@Injectable()
class WebhookWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private workers: Worker[] = [];
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
    private readonly handler: WebhookDeliveryHandler,
    private readonly outbox: WebhookOutboxSweeper,
    @Inject(RedisConnections) private readonly connections: RedisConnections,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.runWorkers) return;
    this.workers = startWorkers(this.connections.get('webhooks-worker'), [QUEUES.webhooks], new JobRegistry().register(this.handler), { concurrency: 8 });
    const every = this.options.sweepIntervalMs ?? 30_000;
    if (every > 0) {
      this.sweeper = setInterval(() => void this.outbox.sweep(), every);
      this.sweeper.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/**
 * Outbound webhooks per cluster: the service behind the API, the dispatcher that queues a
 * delivery job after each commit that wrote deliveries, and (runWorkers) the workers that POST
 * them. Needs the persistence module's Store and RedisConnections (both global). Global, so the GraphQL transport injects
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
        WebhookOutboxSweeper,
        WebhookWorkers,
      ],
      exports: [WebhookService, WebhookOutboxSweeper],
    };
  }
}
