import type { EventType } from '@haaas/domain';

/**
 * The webhook event types, in one place: what a tenant can subscribe a cluster's webhook to, each
 * derived from cluster log events (libs/domain's event catalogue). The GraphQL enum and the
 * payload's `type` use these.
 */
export const WEBHOOK_EVENTS = {
  'incident.opened': 'A node failed: its incident opened (recovery begins).',
  'incident.fenced': 'The failed node is fenced off: its services are being restarted elsewhere.',
  'incident.recovered': 'The incident closed: every service recovered.',
  'incident.failed': 'The incident closed with services not recovered (partially recovered or nothing recovered).',
  'incident.awaiting_operator': 'The incident waits for an operator (no quorum, or every fence failed).',
  'service.failed': 'A service is FAILED (its recovery or its restarts gave up).',
  'service.rto_missed': 'A service recovered after its recovery time objective, or not at all while it had one.',
} as const;
export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as readonly WebhookEventType[];
/** The type of the deliveries `testWebhook` sends. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export function isWebhookEventType(s: string): s is WebhookEventType {
  return Object.prototype.hasOwnProperty.call(WEBHOOK_EVENTS, s);
}

const FROM_LOG: { readonly [T in EventType]?: WebhookEventType } = {
  'incident.opened': 'incident.opened',
  'incident.recovery_started': 'incident.fenced',
  'incident.recovered': 'incident.recovered',
  'incident.partially_recovered': 'incident.failed',
  'incident.failed': 'incident.failed',
  'incident.awaiting_operator': 'incident.awaiting_operator',
  'service.failed': 'service.failed',
  'service.recovery_failed': 'service.failed',
};
/** Log events whose `after.rto` says whether the service's recovery met its RTO. */
const RTO_TELLERS: ReadonlySet<EventType> = new Set<EventType>(['service.recovered', 'service.recovery_failed']);

/** Could this log event type give a webhook event? (Cheap, so appendEvents skips the others without a query.) */
export function mayNotify(type: EventType): boolean {
  return FROM_LOG[type] !== undefined || RTO_TELLERS.has(type);
}

/** The webhook events one cluster log event gives (none, one, or two: a failed recovery that also missed its RTO). */
export function webhookEventsOf(e: { readonly type: EventType; readonly after?: object | null }): WebhookEventType[] {
  const out: WebhookEventType[] = [];
  const direct = FROM_LOG[e.type];
  if (direct) out.push(direct);
  if (RTO_TELLERS.has(e.type) && (e.after as { rto?: unknown } | null | undefined)?.rto === 'MISSED') out.push('service.rto_missed');
  return out;
}
