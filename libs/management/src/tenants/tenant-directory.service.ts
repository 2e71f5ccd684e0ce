import { Injectable } from '@nestjs/common';
import type { TenantDirectory } from '@haaas/auth';
import { Store } from '@haaas/persistence';

/**
 * The auth library's TenantDirectory over the tenants table: creates a tenant on the first use of
 * a valid token. Idempotent and safe concurrently (INSERT IGNORE on the primary key).
 */
@Injectable()
export class TenantDirectoryService implements TenantDirectory {
  constructor(private readonly store: Store) {}

  async ensureTenant(tenantId: string): Promise<void> {
    await this.store.repos.tenants.ensure(tenantId);
  }
}
