import { QuotaExceededError } from './errors';

export interface TenantQuota {
  readonly maxClusters: number;
  readonly maxNodes: number;
  readonly maxResources: number;
  readonly maxServices: number;
}

export type QuotaKind = 'clusters' | 'nodes' | 'resources' | 'services';

export const DEFAULT_TENANT_QUOTA: TenantQuota = { maxClusters: 20, maxNodes: 500, maxResources: 10000, maxServices: 5000 };

export function limitOf(quota: TenantQuota, kind: QuotaKind): number {
  switch (kind) {
    case 'clusters':
      return quota.maxClusters;
    case 'nodes':
      return quota.maxNodes;
    case 'resources':
      return quota.maxResources;
    case 'services':
      return quota.maxServices;
  }
}

/** Throws QUOTA_EXCEEDED when adding `adding` objects to `current` would pass the limit. */
export function assertWithinQuota(quota: TenantQuota, kind: QuotaKind, current: number, adding = 1): void {
  const limit = limitOf(quota, kind);
  if (current + adding > limit) throw new QuotaExceededError(kind, limit);
}
