import type { Page, PageArgs } from '@haaas/persistence';

/**
 * One keyset page of rows already read and filtered in memory, with the same semantics as the
 * repositories' `page` (id order, exclusive `after` cursor). Used where the repositories cannot
 * express a filter in SQL yet (NULL tests, filters on batched children); bounded by the tenant quota.
 */
export function pageInMemory<E extends { id: string }>(rows: readonly E[], args: PageArgs): Page<E> {
  const direction = args.direction ?? 'ASC';
  const sign = direction === 'ASC' ? 1 : -1;
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * sign);
  const after = args.after;
  const rest = after ? sorted.filter((r) => (direction === 'ASC' ? r.id > after : r.id < after)) : sorted;
  return { rows: rest.slice(0, args.first), hasNextPage: rest.length > args.first };
}

/** Groups rows by a parent column and pages each group, one page per parent id in the order given. */
export function pagesByParent<E extends { id: string }>(rows: readonly E[], parentOf: (row: E) => string, parentIds: readonly string[], args: PageArgs): Page<E>[] {
  const groups = new Map<string, E[]>();
  for (const r of rows) {
    const list = groups.get(parentOf(r)) ?? [];
    list.push(r);
    groups.set(parentOf(r), list);
  }
  return parentIds.map((id) => pageInMemory(groups.get(id) ?? [], args));
}
