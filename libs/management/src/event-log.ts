import { Logger } from '@nestjs/common';
import type { EVENT_CATALOGUE, EventType, TenantScope } from '@haaas/domain';
import type { Repositories } from '@haaas/persistence';
import { captureWebhookDeliveries } from '@haaas/webhooks';

/**
 * An event to append: its type comes from the catalogue, and for a single type its objectType is
 * the one the catalogue gives (checked when `appendEvent` is called with a literal type).
 */
export interface EventDraft<T extends EventType = EventType> {
  readonly clusterId: string;
  readonly type: T;
  readonly objectType: (typeof EVENT_CATALOGUE)[T]['objectType'];
  readonly objectId: string;
  readonly nodeId?: string | null;
  readonly serviceId?: string | null;
  readonly before?: object | null;
  readonly after?: object | null;
  readonly message?: string | null;
}

/**
 * Appends to the cluster log inside the caller's transaction, so a change and its event are
 * written together or not at all. Who: the token subject; when: the database clock. Once the
 * transaction commits, the Store's commit observers hear of it (the live feeds' wake-ups, the
 * clean-up after a node left), so no writer has to remember to tell them.
 */
export async function appendEvent<T extends EventType>(repos: Repositories, scope: TenantScope, e: EventDraft<T>): Promise<void> {
  await appendEvents(repos, scope, [e]);
}

/**
 * The same for many events at once, in order, in a few statements (not read back): recovery logs a
 * step for each of a failed host's thousand services when it begins.
 */
export async function appendEvents(repos: Repositories, scope: TenantScope, drafts: readonly EventDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  const ids = await repos.events.insertMany(
    scope,
    drafts.map((e) => ({
      clusterId: e.clusterId,
      actor: scope.actor.subject,
      type: e.type,
      objectType: e.objectType,
      objectId: e.objectId,
      nodeId: e.nodeId ?? null,
      serviceId: e.serviceId ?? null,
      before: (e.before ?? null) as Record<string, unknown> | null,
      after: (e.after ?? null) as Record<string, unknown> | null,
      message: e.message ?? null,
    })),
  );
  // the cluster's webhooks: their deliveries are written with the events (an outbox), in this transaction
  await captureWebhookDeliveries(repos, scope, drafts.map((e, i) => ({ ...e, id: ids[i] ?? '' })));
  drafts.forEach((e, i) => repos.afterCommit.event({ tenantId: scope.tenantId, clusterId: e.clusterId, eventId: ids[i] ?? '', type: e.type, nodeId: e.nodeId ?? null, objectId: e.objectId, after: (e.after ?? null) as Record<string, unknown> | null }));
  // the cluster log in the process's log too, once committed, with the ids to follow an incident by
  repos.afterCommit.run(() => drafts.forEach((e, i) => clusterLog.log(eventLogLine(scope, e, ids[i] ?? ''))));
}

const clusterLog = new Logger('ClusterLog');

/** One log line of a cluster log event (messages and snapshots of the log never carry secrets; before/after stay out). */
function eventLogLine(scope: TenantScope, e: EventDraft, eventId: string): Record<string, unknown> {
  return {
    msg: e.message ? `${e.type}: ${e.message}` : e.type,
    event: e.type,
    eventId,
    tenant: scope.tenantId,
    actor: scope.actor.subject,
    clusterId: e.clusterId,
    objectType: e.objectType,
    objectId: e.objectId,
    ...(e.objectType === 'Incident' ? { incidentId: e.objectId } : {}),
    ...(e.nodeId ? { nodeId: e.nodeId } : {}),
    ...(e.serviceId ? { serviceId: e.serviceId } : {}),
  };
}

/** A plain snapshot of an entity for the log: no relations, no secrets. */
export function snapshot<T extends object>(row: T, omit: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (omit.includes(k) || (typeof v === 'object' && v !== null && !(v instanceof Date) && !isPlain(v))) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === Array.prototype || proto === null;
}
