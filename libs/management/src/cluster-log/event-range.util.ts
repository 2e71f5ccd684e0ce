/**
 * Time ranges of the cluster log. The range is exact on `at` (the time the log shows), and is
 * also turned into bounds on event ids so that the query stays an index range on
 * (tenant, cluster[, type | node | service], id): `at` is in no index, while ids are UUIDv7 whose
 * first 48 bits are the Unix time in milliseconds at which the API minted them.
 *
 * The two clocks differ: `at` is the database's clock at insert, the id's time the API replica's
 * clock (and the UUIDv7 generator may run a little ahead within a burst). So the id bounds are
 * widened by CLOCK_SKEW_ALLOWANCE_MS on both sides and `at` decides: an event is missed only if
 * its two times disagree by more than that, which means a replica's clock is broken.
 * Ordering and paging use the id.
 */

/** How far an event's id time and its `at` may disagree; costs reading this much more of the index. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

const MAX_UUIDV7_MS = 2 ** 48 - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

/** `id` in the canonical form stored (lower-case), or null if it is not a UUID. */
export function canonicalUuid(id: string): string | null {
  const lower = id.toLowerCase();
  return UUID.test(lower) ? lower : null;
}

/**
 * The greatest canonical UUID below `id` (canonical), or null for the all-zero one. Stored ids are
 * canonical, and for them the database's order is the order of the hex digits, so
 * `id < x` and `id <= uuidPredecessor(x)` select the same rows: an exclusive bound as an inclusive one.
 */
export function uuidPredecessor(id: string): string | null {
  const chars = [...id];
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i] as string;
    if (c === '-') continue;
    if (c !== '0') {
      chars[i] = (parseInt(c, 16) - 1).toString(16);
      return chars.join('');
    }
    chars[i] = 'f';
  }
  return null;
}

export interface IdRange {
  /** Inclusive lower bound, when `from` is given. */
  readonly lowest: string | null;
  /** Exclusive upper bound, when `to` is given. */
  readonly below: string | null;
}

/** Id bounds that contain every event whose `at` is in [from, to], given the allowed skew. */
export function idRangeOf(from: Date | null | undefined, to: Date | null | undefined, allowanceMs = CLOCK_SKEW_ALLOWANCE_MS): IdRange {
  return {
    lowest: from ? uuidv7Floor(from.getTime() - allowanceMs) : null,
    below: to ? uuidv7Floor(to.getTime() + allowanceMs + 1) : null,
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
