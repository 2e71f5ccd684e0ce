import { Injectable } from '@nestjs/common';
import { Problems, TenantScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';
import type { EventEntity, Page, PageArgs, Where } from '@haaas/persistence';
import { idRangeOf, IdRange, lowerOf } from './event-range.util';

export interface EventFilter {
  /** Events at or after this time. */
  readonly from?: Date | null;
  /** Events at or before this time. */
  readonly to?: Date | null;
  /** Any of these types (e.g. `node.failed`). */
  readonly types?: readonly string[] | null;
  readonly objectType?: string | null;
  readonly nodeId?: string | null;
  readonly serviceId?: string | null;
}

export const MAX_EVENT_TYPES_IN_FILTER = 20;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** Validates a log filter; field paths under `filter`. */
export function checkEventFilter(filter: EventFilter, field = 'filter'): void {
  const p = new Problems();
  const validDate = (d: Date | null | undefined) => d == null || (d instanceof Date && !Number.isNaN(d.getTime()));
  p.check(validDate(filter.from), `${field}.from`, 'must be a valid date-time');
  p.check(validDate(filter.to), `${field}.to`, 'must be a valid date-time');
  if (filter.from && filter.to && validDate(filter.from) && validDate(filter.to)) {
    p.check(filter.from.getTime() <= filter.to.getTime(), `${field}.to`, 'must not be before filter.from');
  }
  const types = filter.types ?? [];
  p.check(types.length <= MAX_EVENT_TYPES_IN_FILTER, `${field}.types`, `at most ${MAX_EVENT_TYPES_IN_FILTER} types`);
  types.forEach((t, i) => p.check(t.length <= 64 && EVENT_TYPE.test(t), `${field}.types[${i}]`, 'must be an event type such as "node.failed"'));
  if (filter.objectType != null) p.check(/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(filter.objectType), `${field}.objectType`, 'must be an object type such as "Node"');
  p.throwIfAny();
}

/** Filters that only the single-cluster query can apply in SQL (the batched one reads by cluster). */
function needsPerClusterQuery(filter: EventFilter): boolean {
  return (filter.types ?? []).length > 0 || !!filter.objectType || !!filter.nodeId || !!filter.serviceId;
}

/**
 * Keeps the rows at or above the range's lower bound and pages them. `rows` were read newest
 * first with one row more than a page, so a dropped row means the range ended: no next page.
 */
function trimmed(rows: readonly EventEntity[], range: IdRange, first: number): Page<EventEntity> {
  const lowest = range.lowest;
  const kept = lowest ? rows.filter((r) => r.id >= lowest) : [...rows];
  return { rows: kept.slice(0, first), hasNextPage: kept.length > first };
}

/** The cluster log: append-only events, newest first, filterable by time, type, object, node, service. */
@Injectable()
export class EventLogService {
  constructor(private readonly store: Store) {}

  /** One page of a cluster's log, newest first. NOT_FOUND for a cluster of another tenant. */
  async clusterLog(scope: TenantScope, clusterId: string, filter: EventFilter, args: PageArgs): Promise<Page<EventEntity>> {
    checkEventFilter(filter);
    await this.store.repos.clusters.get(scope, clusterId);
    return this.pageOf(scope, clusterId, filter, args);
  }

  /**
   * The first page of the log of many clusters (for `Cluster.log`). Without type, object, node or
   * service filters it is two statements whatever the number of clusters; with them, one query
   * per cluster (the batched reader takes no column filters).
   */
  async logsOfClusters(scope: TenantScope, clusterIds: readonly string[], filter: EventFilter, args: PageArgs): Promise<Page<EventEntity>[]> {
    checkEventFilter(filter);
    if (needsPerClusterQuery(filter)) return Promise.all(clusterIds.map((id) => this.pageOf(scope, id, filter, args)));
    const range = idRangeOf(filter.from, filter.to);
    const pages = await this.store.repos.events.pageByParent(scope, 'clusterId', clusterIds, {
      first: args.first + 1,
      after: lowerOf(args.after, range.below),
      direction: 'DESC',
    });
    return clusterIds.map((id) => trimmed(pages.get(id)?.rows ?? [], range, args.first));
  }

  private async pageOf(scope: TenantScope, clusterId: string, filter: EventFilter, args: PageArgs): Promise<Page<EventEntity>> {
    const range = idRangeOf(filter.from, filter.to);
    const where: Where<EventEntity> = { clusterId };
    if (filter.objectType) where.objectType = filter.objectType;
    if (filter.nodeId) where.nodeId = filter.nodeId;
    if (filter.serviceId) where.serviceId = filter.serviceId;
    // newest first whatever the caller asked: ids are UUIDv7, so id order is time order
    const read: PageArgs = { first: args.first + 1, after: lowerOf(args.after, range.below), direction: 'DESC' };
    const types = [...new Set(filter.types ?? [])];
    if (types.length <= 1) {
      if (types.length === 1) where.type = types[0];
      return trimmed((await this.store.repos.events.page(scope, where, read)).rows, range, args.first);
    }
    // several types: one index range per type ((tenant, cluster, type, id)), merged newest first
    const pages = await Promise.all(types.map((type) => this.store.repos.events.page(scope, { ...where, type }, read)));
    const merged = pages
      .flatMap((pg) => pg.rows)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, read.first);
    return trimmed(merged, range, args.first);
  }
}
