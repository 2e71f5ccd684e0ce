/** The millisecond a UUIDv7 was minted (its first 48 bits), or null if `id` is not a UUIDv7. */
export function uuidv7Ms(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A UUID below every UUIDv7 minted at `ms` or later: an exclusive `after` bound for "from ms on". */
export function uuidv7Floor(ms: number): string {
  const hex = Math.min(Math.max(Math.floor(ms), 0), 2 ** 48 - 1)
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
