export { WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT, isWebhookEventType, webhookEventsOf } from './webhook-events';
export type { WebhookEventType } from './webhook-events';
export { captureWebhookDeliveries } from './webhook.outbox';
export type { LoggedEvent } from './webhook.outbox';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './webhook.signature';
export { WebhookService, DELIVERY_STATUSES } from './webhook.service';
export type { CreateWebhook, UpdateWebhook, DeliveryStatus } from './webhook.service';
export { WebhooksModule } from './webhooks.module';
export { WebhookOutboxSweeper } from './webhook.sweeper';
export { isPrivateAddress } from './webhook.address';
export type { WebhooksOptions, WebhookSecretSealer } from './webhooks.tokens';
/** A webhook and a delivery as stored (the transport maps them to its models; the secret is sealed). */
export type { WebhookEntity as WebhookRecord, WebhookDeliveryEntity as WebhookDeliveryRecord } from '@haaas/persistence';
