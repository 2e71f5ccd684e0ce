import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { WebhookDeliveryRecord as WebhookDeliveryEntity, WebhookRecord as WebhookEntity } from '@haaas/webhooks';
import { WEBHOOK_EVENTS, type WebhookEventType as Type } from '@haaas/webhooks';
import { Connection } from '../common/connection.model';

/** GraphQL names (INCIDENT_OPENED) for the webhook event types (`incident.opened`), which are the values. */
export const WebhookEventTypeEnum = Object.fromEntries(Object.keys(WEBHOOK_EVENTS).map((t) => [t.toUpperCase().replace(/\./g, '_'), t])) as Record<string, Type>;
registerEnumType(WebhookEventTypeEnum, {
  name: 'WebhookEventType',
  description: 'What a webhook can be told of; the payload `type` is the lower-case dotted form (INCIDENT_OPENED: `incident.opened`).',
  valuesMap: Object.fromEntries(Object.entries(WebhookEventTypeEnum).map(([k, v]) => [k, { description: WEBHOOK_EVENTS[v] }])),
});

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus', description: 'PENDING (queued or being retried), DELIVERED (a 2xx answer), FAILED (gave up after the last attempt).' });

@ObjectType({ description: "An outbound webhook of a cluster: its events POSTed as JSON, signed with HMAC-SHA256 (`HAaaS-Signature: t=<unix>,v1=<hex>` over `<t>.<body>`). The secret is write-only." })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  clusterId!: string;

  @Field()
  url!: string;

  @Field(() => [WebhookEventTypeEnum])
  eventTypes!: string[];

  @Field({ description: 'A disabled webhook gets no events (testWebhook still sends to it).' })
  enabled!: boolean;

  @Field()
  description!: string;

  @Field({ description: 'Always true: a webhook has a signing secret, which is never returned.' })
  hasSecret!: boolean;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType({ description: 'One event sent (or being sent) to one webhook, and how it went.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Also the `HAaaS-Delivery` header of its requests.' })
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => ID, { description: 'The cluster log event it tells of (the payload `id`).' })
  eventId!: string;

  @Field({ description: 'The payload `type` (`incident.opened` …, or `webhook.test`).' })
  eventType!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'POSTs made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt (null: no answer).' })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field({ description: 'The JSON body, the same bytes on every attempt.' })
  body!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDelivery, 'WebhookDelivery') {}

export function toWebhook(w: WebhookEntity): Webhook {
  return { id: w.id, clusterId: w.clusterId, url: w.url, eventTypes: w.eventTypes, enabled: w.enabled, description: w.description, hasSecret: true, createdAt: w.createdAt, updatedAt: w.updatedAt };
}

export function toWebhookDelivery(d: WebhookDeliveryEntity): WebhookDelivery {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status as WebhookDeliveryStatus,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastAttemptAt: d.lastAttemptAt,
    deliveredAt: d.deliveredAt,
    body: d.body,
    createdAt: d.createdAt,
  };
}
