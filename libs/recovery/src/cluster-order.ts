import { IncidentState, RecoveryAction, ServiceRecoveryState, TenantScope } from '@haaas/domain';
import { anyOf, atLeast } from '@haaas/persistence';
import type { Repositories } from '@haaas/persistence';

/** A service's place in its cluster's recovery order: priority descending, then service id. */
export interface OrderRank {
  readonly serviceId: string;
  readonly priority: number;
}

/** `a` goes before `b` in the cluster-wide order (the order `sortForPlacement` and the incident machine use). */
export function ranksAhead(a: OrderRank, b: OrderRank): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.serviceId < b.serviceId);
}

/** Why a service must wait: the first service of another incident that goes before it. */
export interface OrderBlocker {
  readonly incidentId: string;
  readonly serviceId: string;
  readonly priority: number;
  readonly reason: string;
}

/** Open incidents whose services compete for the cluster's capacity; one waiting for an operator holds nothing up. */
const COMPETING: readonly IncidentState[] = [IncidentState.DETECTED, IncidentState.FENCING, IncidentState.RECOVERING];
const UNSETTLED: readonly ServiceRecoveryState[] = [ServiceRecoveryState.PENDING, ServiceRecoveryState.PLACING, ServiceRecoveryState.STARTING, ServiceRecoveryState.RETRYING];
const UNPLACED: ReadonlySet<string> = new Set([ServiceRecoveryState.PENDING, ServiceRecoveryState.PLACING]);

/**
 * One priority order per cluster. Each incident admits its own services by priority; this makes
 * the services of all the cluster's open incidents compete in one order, so a higher priority is
 * never starved by a lower one of another incident. A service of incident I may be placed only
 * when no other open incident of the cluster (DETECTED, FENCING or RECOVERING) still has
 *  - an unsettled service of a higher priority (as within one incident: a higher level settles first), or
 *  - a service of the same priority and a lower id that is not placed yet (the tie-break: it chooses first).
 * An incident not yet recovering counts with the services that run on its node (not DISABLE): they
 * will compete as soon as it is fenced. One waiting for an operator does not hold the others up.
 * Each service waits only for services ranked before it, so waits cannot form a cycle.
 * Null: nothing to wait for. One statement when the cluster has no other open incident.
 */
export async function clusterOrderBlocker(repos: Repositories, scope: TenantScope, where: { readonly clusterId: string; readonly incidentId: string }, self: OrderRank): Promise<OrderBlocker | null> {
  const others = (await repos.incidents.select(scope, { clusterId: where.clusterId, state: anyOf(COMPETING) }, ['id', 'nodeId', 'state'])).filter((i) => i.id !== where.incidentId);
  if (others.length === 0) return null;
  const recovering = others.filter((i) => i.state === IncidentState.RECOVERING);
  const pending = others.filter((i) => i.state !== IncidentState.RECOVERING);
  if (recovering.length > 0) {
    const rows = await repos.serviceRecoveries.select(scope, { incidentId: anyOf(recovering.map((i) => i.id)), state: anyOf(UNSETTLED), priority: atLeast(self.priority) }, ['incidentId', 'serviceId', 'priority', 'state']);
    for (const r of sorted(rows)) {
      if (r.priority > self.priority) return { incidentId: r.incidentId, serviceId: r.serviceId, priority: r.priority, reason: `priority ${r.priority} of incident ${r.incidentId} has not settled` };
      if (UNPLACED.has(r.state) && ranksAhead(r, self)) return { incidentId: r.incidentId, serviceId: r.serviceId, priority: r.priority, reason: `service ${r.serviceId} of incident ${r.incidentId} (priority ${r.priority}) chooses its node first` };
    }
  }
  if (pending.length > 0) {
    const byNode = new Map(pending.map((i) => [i.nodeId, i.id]));
    const services = await repos.services.select(scope, { clusterId: where.clusterId, currentNodeId: anyOf([...byNode.keys()]) }, ['id', 'priority', 'currentNodeId', 'recoveryAction']);
    for (const s of sorted(services.map((x) => ({ ...x, serviceId: x.id })))) {
      if (s.recoveryAction === RecoveryAction.DISABLE || !ranksAhead(s, self)) continue;
      const incidentId = byNode.get(s.currentNodeId ?? '') ?? '';
      return { incidentId, serviceId: s.serviceId, priority: s.priority, reason: `incident ${incidentId} (still fencing) has service ${s.serviceId} of priority ${s.priority}` };
    }
  }
  return null;
}

function sorted<T extends OrderRank>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (ranksAhead(a, b) ? -1 : ranksAhead(b, a) ? 1 : 0));
}
