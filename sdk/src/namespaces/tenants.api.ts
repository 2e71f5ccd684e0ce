import * as Ops from '../generated/graphql.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { AuditEntry, Tenant, TenantRateLimits } from '../types.js';
import { Namespace } from './namespace.base.js';

/** Tenants and their quotas: platform admins only (`viewer()` on the client is for everyone). */
export class TenantsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.GetTenantDocument, { id }, options)).tenant;
  }

  list(options?: ListOptions): Paginated<Tenant> {
    const split = splitListParams<object>(undefined, options);
    return this.paginate(Ops.ListTenantsDocument, {}, (r) => r.tenants, split.options);
  }

  /** Creates a tenant ahead of its first request; CONFLICT if it exists. */
  async create(input: Ops.CreateTenantInput, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.CreateTenantDocument, { input }, options)).createTenant;
  }

  /** Sets (a number) or resets (null) quota limits; omitted ones are kept. */
  async setQuota(input: Ops.SetTenantQuotaInput, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.SetTenantQuotaDocument, { input }, options)).setTenantQuota;
  }

  /** The tenant's request rate limits: effective, and its own overrides (null: the platform default). */
  async rateLimits(id: string, options?: RequestOptions): Promise<TenantRateLimits> {
    return (await this.request(Ops.GetTenantRateLimitsDocument, { id }, options)).tenantRateLimits;
  }

  /** Sets (a bucket) or resets (null) the tenant's rate limits; omitted ones are kept. */
  async setRateLimits(input: Ops.SetTenantRateLimitsInput, options?: RequestOptions): Promise<TenantRateLimits> {
    return (await this.request(Ops.SetTenantRateLimitsDocument, { input }, options)).setTenantRateLimits;
  }

  /** The audit log (tenant created, quota and rate limits changed, agent tokens issued, webhooks' secrets...), newest first. */
  auditLog(params?: Ops.AuditLogFilter & ListOptions, options?: ListOptions): Paginated<AuditEntry> {
    const split = splitListParams<Ops.AuditLogFilter>(params, options);
    return this.paginate(Ops.ListAuditLogDocument, { filter: split.filter }, (r) => r.auditLog, split.options);
  }
}
