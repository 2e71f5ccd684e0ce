import type { EventType, TenantScope } from '@haaas/domain';
import { anyOf, type Repositories } from '@haaas/persistence';
import { mayNotify, webhookEventsOf, type WebhookEventType } from './webhook-events';

/** A cluster log event as appendEvents wrote it (with its id), for the outbox. */
export interface LoggedEvent {
  readonly id: string;
  readonly clusterId: string;
  readonly type: EventType;
  readonly objectType: string;
  readonly objectId: string;
  readonly nodeId?: string | null;
  readonly serviceId?: string | null;
  readonly after?: object | null;
  readonly message?: string | null;
}

/** The JSON body of a delivery (documented in the README): the same bytes on every attempt. */
export function webhookBody(scope: TenantScope, type: WebhookEventType | 'webhook.test', e: LoggedEvent, at: Date): string {
  return JSON.stringify({
    id: e.id,
    type,
    createdAt: at.toISOString(),
    tenantId: scope.tenantId,
    clusterId: e.clusterId,
    data: { logType: e.type, objectType: e.objectType, objectId: e.objectId, nodeId: e.nodeId ?? null, serviceId: e.serviceId ?? null, message: e.message ?? null, after: e.after ?? null },
  });
}

/**
 * Called by the cluster log's writer (management's appendEvents) inside its transaction: one
 * PENDING delivery row per enabled webhook of the cluster that subscribed to what the events
 * give. Written with the events or not at all (an outbox); the jobs that POST them are queued
 * after the commit (WebhookDispatcher). Events that can give no webhook event cost no query.
 */
export async function captureWebhookDeliveries(repos: Repositories, scope: TenantScope, events: readonly LoggedEvent[]): Promise<void> {
  const candidates = events.filter((e) => mayNotify(e.type));
  if (candidates.length === 0) return;
  const clusterIds = [...new Set(candidates.map((e) => e.clusterId))];
  const hooks = await repos.webhooks.find(scope, { clusterId: anyOf(clusterIds), enabled: true });
  if (hooks.length === 0) return;
  const at = new Date();
  const rows = [];
  for (const e of candidates) {
    for (const type of webhookEventsOf(e)) {
      const body = webhookBody(scope, type, e, at);
      for (const h of hooks) {
        if (h.clusterId !== e.clusterId || !h.eventTypes.includes(type)) continue;
        rows.push({ webhookId: h.id, clusterId: e.clusterId, eventId: e.id, eventType: type, body, status: 'PENDING', attempts: 0, lastStatusCode: null, lastError: null, lastAttemptAt: null, deliveredAt: null });
      }
    }
  }
  if (rows.length > 0) await repos.webhookDeliveries.insertMany(scope, rows);
}
