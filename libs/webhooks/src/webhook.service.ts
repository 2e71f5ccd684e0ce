import { Inject, Injectable } from '@nestjs/common';
import { BadInputError, Problems, type TenantScope } from '@haaas/domain';
import { anyOf, newId, type Page, type PageArgs, Store, type WebhookDeliveryEntity, type WebhookEntity } from '@haaas/persistence';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from './webhook-events';
import { webhookBody } from './webhook.outbox';
import { WebhookDispatcher } from './webhook.dispatcher';
import { privateHostOf } from './webhook.address';
import { WEBHOOK_OPTIONS, WEBHOOK_SEALER, webhookSecretContext, type WebhookSecretSealer, type WebhooksOptions } from './webhooks.tokens';

export interface CreateWebhook {
  readonly clusterId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly secret: string;
  readonly description?: string | null;
  readonly enabled?: boolean | null;
}
export interface UpdateWebhook {
  readonly id: string;
  readonly url?: string | null;
  readonly eventTypes?: readonly string[] | null;
  readonly secret?: string | null;
  readonly description?: string | null;
  readonly enabled?: boolean | null;
}
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const MAX_WEBHOOKS_PER_CLUSTER = 20;

/** Webhooks of clusters: create, change, delete, the delivery log and test deliveries. Secrets are write-only. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly store: Store,
    @Inject(WEBHOOK_SEALER) private readonly sealer: WebhookSecretSealer,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  get(scope: TenantScope, id: string): Promise<WebhookEntity> {
    return this.store.repos.webhooks.get(scope, id);
  }

  async ofCluster(scope: TenantScope, clusterId: string): Promise<WebhookEntity[]> {
    await this.store.repos.clusters.get(scope, clusterId);
    return this.store.repos.webhooks.find(scope, { clusterId });
  }

  async create(scope: TenantScope, input: CreateWebhook): Promise<WebhookEntity> {
    const p = new Problems();
    checkUrl(p, input.url, this.options.allowPrivateAddresses ?? false);
    checkEventTypes(p, input.eventTypes);
    checkSecret(p, input.secret);
    checkDescription(p, input.description);
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const cluster = await repos.clusters.findById(scope, input.clusterId);
      if (!cluster) throw BadInputError.of('clusterId', 'no such cluster');
      if ((await repos.webhooks.count(scope, { clusterId: cluster.id })) >= MAX_WEBHOOKS_PER_CLUSTER) {
        throw BadInputError.of('clusterId', `a cluster has at most ${MAX_WEBHOOKS_PER_CLUSTER} webhooks`);
      }
      const created = await repos.webhooks.create(scope, {
        clusterId: cluster.id,
        url: input.url,
        eventTypes: [...new Set(input.eventTypes)],
        enabled: input.enabled ?? true,
        description: input.description ?? '',
        secret: '',
      });
      // the sealing context names the row, so the id must exist first: insert, seal, save (as fencing devices)
      created.secret = this.sealer.seal(input.secret, webhookSecretContext(scope.tenantId, created.id));
      return repos.webhooks.save(scope, created);
    });
  }

  async update(scope: TenantScope, input: UpdateWebhook): Promise<WebhookEntity> {
    const p = new Problems();
    if (input.url != null) checkUrl(p, input.url, this.options.allowPrivateAddresses ?? false);
    if (input.eventTypes != null) checkEventTypes(p, input.eventTypes);
    if (input.secret != null) checkSecret(p, input.secret);
    checkDescription(p, input.description);
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const hook = await repos.webhooks.lock(scope, input.id);
      if (input.url != null) hook.url = input.url;
      if (input.eventTypes != null) hook.eventTypes = [...new Set(input.eventTypes)];
      if (input.enabled != null) hook.enabled = input.enabled;
      if (input.description != null) hook.description = input.description;
      if (input.secret != null) hook.secret = this.sealer.seal(input.secret, webhookSecretContext(scope.tenantId, hook.id));
      return repos.webhooks.save(scope, hook);
    });
  }

  /** Deletes a webhook and its delivery log; returns it as it was. */
  async delete(scope: TenantScope, id: string): Promise<WebhookEntity> {
    return this.store.transaction(async (repos) => {
      const hook = await repos.webhooks.lock(scope, id);
      await repos.webhookDeliveries.delete(scope, { webhookId: id });
      await repos.webhooks.delete(scope, { id });
      return hook;
    });
  }

  /** The delivery log of a webhook, newest first. */
  async deliveries(scope: TenantScope, webhookId: string, filter: { readonly status?: DeliveryStatus | null }, args: PageArgs): Promise<Page<WebhookDeliveryEntity>> {
    await this.store.repos.webhooks.get(scope, webhookId);
    return this.store.repos.webhookDeliveries.page(scope, { webhookId, ...(filter.status ? { status: filter.status } : {}) }, args);
  }

  delivery(scope: TenantScope, id: string): Promise<WebhookDeliveryEntity> {
    return this.store.repos.webhookDeliveries.get(scope, id);
  }

  webhooksByIds(scope: TenantScope, ids: readonly string[]): Promise<WebhookEntity[]> {
    return this.store.repos.webhooks.find(scope, { id: anyOf(ids) });
  }

  /** Queues a `webhook.test` delivery to the webhook (enabled or not), signed and retried like the others. */
  async test(scope: TenantScope, id: string): Promise<WebhookDeliveryEntity> {
    const hook = await this.store.repos.webhooks.get(scope, id);
    const eventId = newId();
    const body = webhookBody(scope, WEBHOOK_TEST_EVENT, { id: eventId, clusterId: hook.clusterId, type: 'cluster.updated', objectType: 'Cluster', objectId: hook.clusterId, message: 'a test delivery (testWebhook)' }, new Date());
    const deliveryId = await this.store.repos.webhookDeliveries.insertOne(scope, {
      webhookId: hook.id, clusterId: hook.clusterId, eventId, eventType: WEBHOOK_TEST_EVENT, body, status: 'PENDING', attempts: 0, lastStatusCode: null, lastError: null, lastAttemptAt: null, deliveredAt: null,
    });
    await this.dispatcher.enqueue(scope.tenantId, [deliveryId]);
    return this.store.repos.webhookDeliveries.get(scope, deliveryId);
  }
}

function checkUrl(p: Problems, url: string, allowPrivate: boolean): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    // reported below
  }
  p.check(u !== undefined && (u.protocol === 'https:' || u.protocol === 'http:') && url.length <= 2048 && !u.username && !u.password, 'url', 'must be an http(s) URL of at most 2048 characters, without credentials');
  const host = u && !allowPrivate ? privateHostOf(u) : undefined;
  p.check(host === undefined, 'url', `must not point to a loopback, private or link-local address (${host ?? ''})`);
}
function checkEventTypes(p: Problems, types: readonly string[]): void {
  p.check(types.length > 0 && types.every(isWebhookEventType), 'eventTypes', `must be one or more of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
}
function checkSecret(p: Problems, secret: string): void {
  p.check(secret.length >= 16 && secret.length <= 256, 'secret', 'must be 16-256 characters');
}
function checkDescription(p: Problems, d: string | null | undefined): void {
  if (d != null) p.check(d.length <= 255, 'description', 'must be at most 255 characters');
}
