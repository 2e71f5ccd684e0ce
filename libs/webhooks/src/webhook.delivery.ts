import { Inject, Injectable, Logger } from '@nestjs/common';
import { systemScope, SystemActor } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import type { JobContext, JobHandler, JobPayloads } from '@haaas/queue';
import { privateAddressOf } from './webhook.address';
import { SIGNATURE_HEADER, signWebhook } from './webhook.signature';
import { WEBHOOK_OPTIONS, WEBHOOK_SEALER, webhookSecretContext, type WebhookSecretSealer, type WebhooksOptions } from './webhooks.tokens';

/** The receiver did not answer 2xx: the job fails and BullMQ retries it after its backoff. */
export class WebhookAttemptError extends Error {
  override name = 'WebhookAttemptError';
}

/**
 * The `webhook.deliver` job: POSTs the delivery's stored body, signed afresh (new timestamp) on
 * every attempt, and records the outcome on the delivery row. 2xx: DELIVERED, never sent again.
 * Anything else (status, timeout, refused connection): the attempt is logged on the row and the
 * job throws, so BullMQ retries it with exponential backoff; after the last attempt: FAILED.
 * Redirects are not followed (a receiver must answer at the URL it was given).
 */
@Injectable()
export class WebhookDeliveryHandler implements JobHandler<'webhook.deliver'> {
  readonly job = 'webhook.deliver' as const;
  private readonly log = new Logger('Webhooks');

  constructor(
    private readonly store: Store,
    @Inject(WEBHOOK_SEALER) private readonly sealer: WebhookSecretSealer,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  async handle(payload: JobPayloads['webhook.deliver'], context: JobContext): Promise<void> {
    const scope = systemScope(payload.tenantId, SystemActor.Webhooks);
    const repos = this.store.repos;
    const delivery = await repos.webhookDeliveries.findById(scope, payload.deliveryId);
    if (!delivery || delivery.status !== 'PENDING') return; // deleted with its webhook, or done already
    const hook = await repos.webhooks.findById(scope, delivery.webhookId);
    if (!hook) return;
    const secret = this.sealer.open(hook.secret, webhookSecretContext(scope.tenantId, hook.id));
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const blocked = this.options.allowPrivateAddresses ? undefined : await privateAddressOf(new URL(hook.url));
      if (blocked) throw new Error(`address ${blocked} refused (loopback, private or link-local)`);
      const res = await fetch(hook.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'HAaaS-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(secret, delivery.body, Date.now() / 1000),
          'haaas-event-type': delivery.eventType,
          'haaas-delivery': delivery.id,
        },
        body: delivery.body,
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    }
    const attempts = delivery.attempts + 1;
    const last = context.attempt >= (this.options.attempts ?? 10);
    const now = new Date();
    await repos.webhookDeliveries.update(scope, delivery.id, {
      attempts,
      lastStatusCode: status,
      lastError: error?.slice(0, 500) ?? null,
      lastAttemptAt: now,
      ...(error === null ? { status: 'DELIVERED', deliveredAt: now } : last ? { status: 'FAILED' } : {}),
    });
    if (error !== null) {
      if (last) this.log.warn(`webhook ${hook.id}: delivery ${delivery.id} (${delivery.eventType}) FAILED after ${attempts} attempts: ${error}`);
      throw new WebhookAttemptError(`webhook ${hook.id}: ${error}`);
    }
  }
}
