import * as Ops from '../generated/graphql.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { Webhook, WebhookDelivery } from '../types.js';
import { Namespace } from './namespace.base.js';

/**
 * Outbound webhooks of clusters and their delivery log. Deliveries are signed:
 * `HAaaS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>`.
 * The secret is write-only.
 */
export class WebhooksApi extends Namespace {
  /** The webhooks of a cluster, oldest first. */
  async list(clusterId: string, options?: RequestOptions): Promise<Webhook[]> {
    return (await this.request(Ops.ListWebhooksDocument, { clusterId }, options)).webhooks;
  }

  async get(id: string, options?: RequestOptions): Promise<Webhook> {
    return (await this.request(Ops.GetWebhookDocument, { id }, options)).webhook;
  }

  async create(input: Ops.CreateWebhookInput, options?: RequestOptions): Promise<Webhook> {
    return (await this.request(Ops.CreateWebhookDocument, { input }, options)).createWebhook;
  }

  /** Fields left out stay as they are (the secret included). */
  async update(input: Ops.UpdateWebhookInput, options?: RequestOptions): Promise<Webhook> {
    return (await this.request(Ops.UpdateWebhookDocument, { input }, options)).updateWebhook;
  }

  /** Deletes the webhook and its delivery log; returns it as it was. */
  async delete(id: string, options?: RequestOptions): Promise<Webhook> {
    return (await this.request(Ops.DeleteWebhookDocument, { id }, options)).deleteWebhook;
  }

  /** Queues a signed `webhook.test` delivery; follow it with `deliveries()`. */
  async test(id: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return (await this.request(Ops.TestWebhookDocument, { id }, options)).testWebhook;
  }

  /** The delivery log of a webhook, newest first, optionally of one status. */
  deliveries(webhookId: string, params?: { readonly status?: Ops.WebhookDeliveryStatus } & ListOptions): Paginated<WebhookDelivery> {
    const split = splitListParams<{ status?: Ops.WebhookDeliveryStatus }>(params);
    return this.paginate(Ops.ListWebhookDeliveriesDocument, { webhookId, status: split.filter.status ?? null }, (r) => r.webhookDeliveries, split.options);
  }
}
