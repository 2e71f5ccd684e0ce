import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { isEventType, systemScope, SystemActor } from '@haaas/domain';
import { anyOf, type CommittedEvent, Store } from '@haaas/persistence';
import { JobProducer, jobOptions, QUEUES } from '@haaas/queue';
import { RedisConnections } from '@haaas/redis';
import { mayNotify } from './webhook-events';
import { WEBHOOK_OPTIONS, type WebhooksOptions } from './webhooks.tokens';

/**
 * Queues the delivery jobs: after each commit that appended events that may notify (observing the
 * Store, in whichever process wrote them), the PENDING deliveries of those events; and on request
 * (testWebhook). One job per delivery row, its id the row's, so a row is queued once however often
 * it is asked.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('Webhooks');
  private readonly producer: JobProducer;
  private stopObserving?: () => void;

  constructor(
    private readonly store: Store,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
    @Inject(RedisConnections) connections: RedisConnections,
  ) {
    this.producer = new JobProducer(connections.get('webhooks-producer'));
    this.producer.queue(QUEUES.webhooks).on('error', (err: Error) => this.log.warn(`webhooks queue: ${err.message}`));
  }

  onModuleInit(): void {
    this.stopObserving = this.store.observeCommits((events) => this.afterCommit(events));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopObserving?.();
    await this.producer.close();
  }

  async enqueue(tenantId: string, deliveryIds: readonly string[]): Promise<void> {
    const delay = this.options.retryDelayMs ?? 1000;
    const attempts = this.options.attempts ?? 10;
    const queue = this.producer.queue(QUEUES.webhooks);
    await queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: 'webhook.deliver',
        data: { tenantId, deliveryId },
        opts: jobOptions('webhook.deliver', { jobId: `webhook.${deliveryId}`, attempts, backoff: { type: 'exponential', delay } }),
      })),
    );
  }

  private async afterCommit(events: readonly CommittedEvent[]): Promise<void> {
    const byTenant = new Map<string, string[]>();
    for (const e of events) {
      if (!isEventType(e.type) || !mayNotify(e.type)) continue;
      byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e.eventId]);
    }
    for (const [tenantId, eventIds] of byTenant) {
      const scope = systemScope(tenantId, SystemActor.Webhooks);
      const rows = await this.store.repos.webhookDeliveries.select(scope, { eventId: anyOf(eventIds), status: 'PENDING' }, ['id']);
      if (rows.length > 0) await this.enqueue(tenantId, rows.map((r) => r.id));
    }
  }
}
