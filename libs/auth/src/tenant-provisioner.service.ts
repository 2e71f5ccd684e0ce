import type { TenantDirectory } from './tenant-directory.interface';

export const DEFAULT_TENANT_CACHE_SIZE = 10_000;

/**
 * Calls the TenantDirectory once per tenant rather than once per request: known tenant ids are
 * kept in memory (least recently used dropped beyond `maxCached`), and concurrent first requests
 * of one tenant share one call. Failures are not cached, so the next request tries again.
 */
export class TenantProvisioner {
  /** Insertion order doubles as recency order: a hit is moved to the end. */
  private readonly known = new Map<string, true>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly directory: TenantDirectory,
    private readonly maxCached: number = DEFAULT_TENANT_CACHE_SIZE,
  ) {
    if (!Number.isInteger(maxCached) || maxCached < 1) throw new Error('TenantProvisioner: maxCached must be a positive integer');
  }

  ensure(tenantId: string): Promise<void> {
    if (this.known.delete(tenantId)) {
      this.known.set(tenantId, true);
      return Promise.resolve();
    }
    const inFlight = this.pending.get(tenantId);
    if (inFlight) return inFlight;
    const call = this.directory
      .ensureTenant(tenantId)
      .then(() => this.remember(tenantId))
      .finally(() => this.pending.delete(tenantId));
    this.pending.set(tenantId, call);
    return call;
  }

  /** Drops a tenant from the cache (after deleting it), so its next request provisions it again. */
  forget(tenantId: string): void {
    this.known.delete(tenantId);
  }

  get size(): number {
    return this.known.size;
  }

  private remember(tenantId: string): void {
    this.known.set(tenantId, true);
    if (this.known.size > this.maxCached) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
  }
}
