/**
 * A small in-process cache with a time to live and a size bound, plus single-flight loading:
 * concurrent misses of one key share one load. Written here rather than taken from a package
 * because it is thirty lines and the heartbeat path needs exactly this (negative entries included:
 * `undefined` is a value, not a miss).
 */
export class LocalCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value, or loads it (once for concurrent callers) and caches it. */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    if (hit) this.entries.delete(key);
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const pending: Promise<V> = load().then(
      (value) => {
        // deleted while loading (a token rotated): the value may predate it, so it is not kept
        if (this.loading.get(key) === pending) {
          this.loading.delete(key);
          this.set(key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.loading.get(key) === pending) this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, pending);
    return pending;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    // Map keeps insertion order: the first key is the oldest entry
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
