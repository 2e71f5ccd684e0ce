import { QuotaExceededError } from './errors';
import { assertWithinQuota, DEFAULT_TENANT_QUOTA, limitOf, QuotaKind, TenantQuota } from './quota';

describe('quota', () => {
  const quota: TenantQuota = { maxClusters: 2, maxNodes: 3, maxResources: 4, maxServices: 5 };

  it('has the documented defaults', () => {
    expect(DEFAULT_TENANT_QUOTA).toEqual({ maxClusters: 20, maxNodes: 500, maxResources: 10000, maxServices: 5000 });
  });

  it.each<[QuotaKind, number]>([
    ['clusters', 2],
    ['nodes', 3],
    ['resources', 4],
    ['services', 5],
  ])('limitOf(%s) reads its own limit', (kind, limit) => {
    expect(limitOf(quota, kind)).toBe(limit);
  });

  it.each<[QuotaKind, number]>([
    ['clusters', 2],
    ['nodes', 3],
    ['resources', 4],
    ['services', 5],
  ])('%s: reaching the limit is allowed, passing it is not', (kind, limit) => {
    expect(() => assertWithinQuota(quota, kind, limit - 1)).not.toThrow();
    expect(() => assertWithinQuota(quota, kind, limit)).toThrow(QuotaExceededError);
  });

  it('counts a batch as a whole', () => {
    expect(() => assertWithinQuota(quota, 'services', 0, 5)).not.toThrow();
    expect(() => assertWithinQuota(quota, 'services', 0, 6)).toThrow(QuotaExceededError);
    expect(() => assertWithinQuota(quota, 'services', 2, 4)).toThrow(QuotaExceededError);
  });

  it('the error carries QUOTA_EXCEEDED, the kind and the limit', () => {
    let thrown: unknown;
    try {
      assertWithinQuota(DEFAULT_TENANT_QUOTA, 'clusters', 20);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(QuotaExceededError);
    const e = thrown as QuotaExceededError;
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.details).toEqual({ what: 'clusters', limit: 20 });
    expect(e.message).toBe('quota exceeded: at most 20 clusters per tenant');
  });

  it('a tenant already over its limit (quota lowered) can add nothing', () => {
    expect(() => assertWithinQuota(quota, 'clusters', 7)).toThrow(QuotaExceededError);
  });
});
