import { BadInputError, Problems, RecoveryAction, ServiceState } from '@haaas/domain';
import type { DomainMember, ServicePolicy } from '@haaas/domain';

/**
 * Pure rules of services and failover domains, kept apart from the transactions so they can be
 * unit-tested without a database.
 */

/** A policy change as transports send it: omitted (undefined) keeps, null clears or is refused. */
export type ServicePolicyChange = { readonly [K in keyof ServicePolicy]?: ServicePolicy[K] | null };

/** Runs a check that throws BadInputError and adds its problems to `p`, so one response lists every bad field. */
export function collectProblems<T>(p: Problems, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    for (const problem of err.problems) p.add(problem.field, problem.message);
    return undefined;
  }
}

/** Explicit nulls are refused for fields that cannot be empty (omit the field to keep its value). */
export function checkBooleanIfGiven(p: Problems, field: string, value: boolean | null | undefined): void {
  if (value === undefined) return;
  p.check(typeof value === 'boolean', field, 'must be true or false (omit the field to keep its value)');
}

/** Each id at most once, reported at `field[i]`. */
export function checkDistinct(p: Problems, field: string, ids: readonly string[]): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    p.check(typeof id === 'string' && id.length > 0, `${field}[${i}]`, 'must be an id');
    p.check(!seen.has(id), `${field}[${i}]`, 'listed twice');
    seen.add(id);
  });
}

/** The node a member names must exist in the tenant (else it is absent from `nodes`) and be in the domain's cluster. */
export function checkMemberNodes(
  p: Problems,
  members: readonly DomainMember[],
  nodes: readonly { id: string; clusterId: string }[],
  clusterId: string,
  field = 'members',
): void {
  const clusterOf = new Map(nodes.map((n) => [n.id, n.clusterId]));
  members.forEach((m, i) => {
    p.check(clusterOf.get(m.nodeId) === clusterId, `${field}[${i}].nodeId`, 'is not a node of the failover domain\'s cluster');
  });
}

/** Service states in which nothing is running or about to run: the ones a service may be destroyed in. */
export const AT_REST_STATES: ReadonlySet<ServiceState> = new Set([ServiceState.STOPPED, ServiceState.DISABLED, ServiceState.FAILED]);

/** States in which the engine is walking the resource list; changing the list then would race with it. */
export const TRANSITIONAL_STATES: ReadonlySet<ServiceState> = new Set([ServiceState.STARTING, ServiceState.STOPPING, ServiceState.RECOVERING]);

/**
 * The start order after inserting `id` at `position` (0-based; null or undefined: last). Positions
 * are always 0..n-1, so the caller can store the index of each id.
 */
export function insertAt(order: readonly string[], id: string, position?: number | null): string[] {
  const next = order.filter((x) => x !== id);
  const at = position == null ? next.length : Math.max(0, Math.min(position, next.length));
  next.splice(at, 0, id);
  return next;
}

export function removeFrom(order: readonly string[], id: string): string[] {
  return order.filter((x) => x !== id);
}

/** Rows whose stored position differs from their index in `order` (only those need writing). */
export function positionChanges<R extends { id: string; position: number | null }>(rows: readonly R[], order: readonly string[]): { row: R; position: number }[] {
  const index = new Map(order.map((id, i) => [id, i]));
  const out: { row: R; position: number }[] = [];
  for (const row of rows) {
    const position = index.get(row.id);
    if (position !== undefined && row.position !== position) out.push({ row, position });
  }
  return out;
}

/** Sorts by start position; rows without one (should not happen) go last, ties by id (creation order). */
export function byPosition<R extends { id: string; position: number | null }>(a: R, b: R): number {
  const pa = a.position ?? Number.MAX_SAFE_INTEGER;
  const pb = b.position ?? Number.MAX_SAFE_INTEGER;
  return pa !== pb ? pa - pb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The policy columns of a stored service. */
export function policyOfService(s: {
  failoverDomainId: string | null;
  priority: number;
  recoveryAction: RecoveryAction;
  startTimeoutSeconds: number;
  stopTimeoutSeconds: number;
  maxRestarts: number;
  restartWindowSeconds: number;
  maxRelocations: number;
  autostart: boolean;
  antiAffinityGroup: string | null;
  recoveryTimeObjectiveSeconds: number | null;
}): ServicePolicy {
  return {
    failoverDomainId: s.failoverDomainId,
    priority: s.priority,
    recoveryAction: s.recoveryAction,
    startTimeoutSeconds: s.startTimeoutSeconds,
    stopTimeoutSeconds: s.stopTimeoutSeconds,
    maxRestarts: s.maxRestarts,
    restartWindowSeconds: s.restartWindowSeconds,
    maxRelocations: s.maxRelocations,
    autostart: s.autostart,
    antiAffinityGroup: s.antiAffinityGroup,
    recoveryTimeObjectiveSeconds: s.recoveryTimeObjectiveSeconds,
  };
}

/** What a service filter can test besides its cluster. */
export interface ServiceRowFilter {
  readonly state?: ServiceState | null;
  readonly failoverDomainId?: string | null;
  /** The node the service currently runs on. */
  readonly nodeId?: string | null;
  readonly nameContains?: string | null;
  /** At least this priority (higher recovers first). */
  readonly minPriority?: number | null;
}
