import { Inject, Injectable } from '@nestjs/common';
import { assertWithinQuota, QuotaKind, TenantScope } from '@haaas/domain';
import type { TenantQuota } from '@haaas/domain';
import type { Repositories, TenantEntity } from '@haaas/persistence';
import { DEFAULT_QUOTA } from './management.tokens';

@Injectable()
export class QuotaService {
  constructor(@Inject(DEFAULT_QUOTA) private readonly defaults: TenantQuota) {}

  effective(tenant: TenantEntity | null): TenantQuota {
    return {
      maxClusters: tenant?.maxClusters ?? this.defaults.maxClusters,
      maxNodes: tenant?.maxNodes ?? this.defaults.maxNodes,
      maxResources: tenant?.maxResources ?? this.defaults.maxResources,
      maxServices: tenant?.maxServices ?? this.defaults.maxServices,
    };
  }

  /**
   * Checks a quota inside the creating transaction. The tenant row is locked first, so two
   * concurrent creations are serialized and cannot both squeeze under the limit.
   */
  async check(repos: Repositories, scope: TenantScope, kind: QuotaKind, adding = 1): Promise<void> {
    const tenant = await repos.tenants.lockOwn(scope);
    const current = await this.countOf(repos, scope, kind);
    assertWithinQuota(this.effective(tenant), kind, current, adding);
  }

  private countOf(repos: Repositories, scope: TenantScope, kind: QuotaKind): Promise<number> {
    switch (kind) {
      case 'clusters':
        return repos.clusters.count(scope);
      case 'nodes':
        return repos.nodes.count(scope);
      case 'resources':
        return repos.resources.count(scope);
      case 'services':
        return repos.services.count(scope);
    }
  }
}
