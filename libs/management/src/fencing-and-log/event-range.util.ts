/**
 * Time ranges of the cluster log as bounds on event ids. Event ids are UUIDv7: their first 48
 * bits are the Unix time in milliseconds at which the API wrote the event, so "ids from the
 * smallest UUIDv7 of `from` up to (excluding) the smallest UUIDv7 of `to` + 1 ms" is the range
 * [from, to] on that time, and the query stays an index range on (tenant, cluster, id): it never
 * reads other tenants' or other clusters' rows, nor rows outside the range.
 *
 * `at` is the database's clock at insert; it agrees with the id's time within the clock skew
 * between API replicas and the database (milliseconds with NTP). Ordering and paging use the id.
 */

const MAX_UUIDV7_MS = 2 ** 48 - 1;

/** The smallest UUIDv7 of millisecond `ms`: every id minted at `ms` or later sorts at or above it. */
export function uuidv7Floor(ms: number): string {
  const clamped = Math.min(Math.max(Math.floor(ms), 0), MAX_UUIDV7_MS);
  const hex = clamped.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The time a UUIDv7 was minted, or null if `id` is not one. */
export function uuidv7Time(id: string): Date | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return new Date(parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}

export interface IdRange {
  /** Inclusive lower bound, when `from` is given. */
  readonly lowest: string | null;
  /** Exclusive upper bound, when `to` is given. */
  readonly below: string | null;
}

export function idRangeOf(from: Date | null | undefined, to: Date | null | undefined): IdRange {
  return {
    lowest: from ? uuidv7Floor(from.getTime()) : null,
    below: to ? uuidv7Floor(to.getTime() + 1) : null,
  };
}

/** The tighter of two exclusive upper bounds (a cursor and a range end). */
export function lowerOf(a: string | null | undefined, b: string | null | undefined): string | null {
  // ids are lower-case hex; the database compares them case-insensitively, so must we
  const x = a ? a.toLowerCase() : null;
  const y = b ? b.toLowerCase() : null;
  if (!x) return y;
  if (!y) return x;
  return x < y ? x : y;
}
