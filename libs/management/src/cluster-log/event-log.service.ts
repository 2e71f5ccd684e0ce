import { Injectable } from '@nestjs/common';
import { BadInputError, EVENT_OBJECT_TYPES, isEventType, Problems, TenantScope } from '@haaas/domain';
import { anyOf, atLeast, atMost, between, Store } from '@haaas/persistence';
import type { EventEntity, Page, PageArgs, Where } from '@haaas/persistence';
import { canonicalUuid, idRangeOf, lowerOf, uuidPredecessor } from './event-range.util';

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
  // a typo would match nothing, silently: only the catalogue's types are accepted
  types.forEach((t, i) => p.check(isEventType(t), `${field}.types[${i}]`, 'must be one of the event types (Query.eventTypes), such as "node.failed"'));
  if (filter.objectType != null) {
    p.check((EVENT_OBJECT_TYPES as readonly string[]).includes(filter.objectType), `${field}.objectType`, `must be one of ${EVENT_OBJECT_TYPES.join(', ')}`);
  }
  p.throwIfAny();
}

/** The cursor of a log page: an event id (the log pages by id), canonical, else BAD_USER_INPUT. */
function cursorOf(after: string | null | undefined): string | null {
  if (!after) return null;
  const id = canonicalUuid(after);
  if (!id) throw BadInputError.of('after', 'is not a cursor returned by this API');
  return id;
}

/** The filter's exact conditions on columns other than the id; `types` as given (pageOf passes one at a time). */
function columnsWhere(filter: EventFilter, types: readonly string[]): Where<EventEntity> {
  const where: Where<EventEntity> = {};
  if (filter.objectType) where.objectType = filter.objectType;
  if (filter.nodeId) where.nodeId = filter.nodeId;
  if (filter.serviceId) where.serviceId = filter.serviceId;
  if (types.length === 1) where.type = types[0];
  else if (types.length > 1) where.type = anyOf(types);
  // the time range is exact on `at`; the id bounds (idRangeOf) only keep the read on the index
  if (filter.from && filter.to) where.at = between(filter.from, filter.to);
  else if (filter.from) where.at = atLeast(filter.from);
  else if (filter.to) where.at = atMost(filter.to);
  return where;
}

const newestFirst = (a: EventEntity, b: EventEntity) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The cluster log: append-only events, newest first, filterable by time, type, object, node, service. */
@Injectable()
export class EventLogService {
  constructor(private readonly store: Store) {}

  /** One page of a cluster's log, newest first. NOT_FOUND for a cluster of another tenant. */
  async clusterLog(scope: TenantScope, clusterId: string, filter: EventFilter, args: PageArgs): Promise<Page<EventEntity>> {
    checkEventFilter(filter);
    const after = cursorOf(args.after);
    await this.store.repos.clusters.get(scope, clusterId);
    return this.pageOf(scope, clusterId, filter, args.first, after);
  }

  /**
   * The first page of the log of many clusters (for `Cluster.log`), with every filter applied in
   * SQL inside the batched read: two statements whatever the number of clusters, filtered or not.
   * The same rows as `clusterLog` for each cluster.
   */
  async logsOfClusters(scope: TenantScope, clusterIds: readonly string[], filter: EventFilter, args: PageArgs): Promise<Page<EventEntity>[]> {
    checkEventFilter(filter);
    const after = cursorOf(args.after);
    const range = idRangeOf(filter.from, filter.to);
    const where = columnsWhere(filter, [...new Set(filter.types ?? [])]);
    if (range.lowest) where.id = atLeast(range.lowest);
    // newest first whatever the caller asked: ids are UUIDv7, so id order is time order
    const pages = await this.store.repos.events.pageByParent(scope, 'clusterId', clusterIds, { first: args.first, after: lowerOf(after, range.below), direction: 'DESC' }, where);
    return clusterIds.map((id) => pages.get(id) ?? { rows: [], hasNextPage: false });
  }

  /**
   * One cluster's page with LIMIT on an index read backwards, so paging deep into a long log
   * stays cheap (the batched read numbers all matching rows of each cluster).
   */
  private async pageOf(scope: TenantScope, clusterId: string, filter: EventFilter, first: number, after: string | null): Promise<Page<EventEntity>> {
    const range = idRangeOf(filter.from, filter.to);
    const below = lowerOf(after, range.below);
    const types = [...new Set(filter.types ?? [])];
    const where: Where<EventEntity> = { ...columnsWhere(filter, types.length === 1 ? types : []), clusterId };
    // page() takes its cursor as the only condition on id, so both bounds go in `where` when both exist
    let cursor: string | null = null;
    if (range.lowest && below) {
      const highest = uuidPredecessor(below);
      if (!highest) return { rows: [], hasNextPage: false };
      where.id = between(range.lowest, highest);
    } else if (range.lowest) {
      where.id = atLeast(range.lowest);
    } else {
      cursor = below;
    }
    const read: PageArgs = { first: first + 1, after: cursor, direction: 'DESC' };
    const repo = this.store.repos.events;
    // several types: one index range per type ((tenant, cluster, type, id)), each in id order,
    // merged newest first; one IN over the types would sort all matching rows instead
    const rows =
      types.length <= 1
        ? (await repo.page(scope, where, read)).rows
        : (await Promise.all(types.map((type) => repo.page(scope, { ...where, type }, read)))).flatMap((pg) => pg.rows).sort(newestFirst);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }
}
