import type { TenantScope } from '@haaas/domain';
import type { Repositories } from '@haaas/persistence';

export interface EventDraft {
  readonly clusterId: string;
  readonly type: string;
  readonly objectType: string;
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
export async function appendEvent(repos: Repositories, scope: TenantScope, e: EventDraft): Promise<void> {
  // not read back: the log is written on every step of a recovery
  const id = await repos.events.insertOne(scope, {
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
  });
  repos.afterCommit.event({ tenantId: scope.tenantId, clusterId: e.clusterId, eventId: id, type: e.type, nodeId: e.nodeId ?? null });
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
