import type { TenantDirectory } from './tenant-directory.interface';

/** A TenantDirectory for tests and tools: remembers tenants in a set and counts calls. */
export class InMemoryTenantDirectory implements TenantDirectory {
  readonly tenants = new Set<string>();
  calls = 0;

  async ensureTenant(tenantId: string): Promise<void> {
    this.calls += 1;
    this.tenants.add(tenantId);
  }
}
