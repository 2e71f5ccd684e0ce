/**
 * Creates tenants on first use. Implemented over the tenants table by the persistence layer;
 * libs/auth only calls it, so auth does not depend on how tenants are stored.
 */
export interface TenantDirectory {
  /** Makes sure the tenant exists; idempotent and safe to call concurrently. */
  ensureTenant(tenantId: string): Promise<void>;
}

export const TENANT_DIRECTORY = Symbol('HAAAS_TENANT_DIRECTORY');
