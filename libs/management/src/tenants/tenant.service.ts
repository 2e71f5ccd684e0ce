import { Injectable } from '@nestjs/common';
import { TENANT_ID_PATTERN } from '@haaas/auth';
import { ConflictError, ForbiddenError, NotFoundError, Problems, TenantScope } from '@haaas/domain';
import type { TenantQuota } from '@haaas/domain';
import { isDuplicateKey, Store, TenantEntity } from '@haaas/persistence';
import type { AuditEntryEntity, AuditQuery, NewAuditEntry, Page } from '@haaas/persistence';
import { QuotaService } from '../quota.service';

export interface CreateTenant {
  readonly id: string;
  readonly displayName?: string | null;
}

/** Quota overrides: a number sets it, `null` resets it to the configured default, omitted keeps it. */
export interface SetTenantQuota {
  readonly id: string;
  readonly maxClusters?: number | null;
  readonly maxNodes?: number | null;
  readonly maxResources?: number | null;
  readonly maxServices?: number | null;
}

export interface TenantUsage {
  readonly clusters: number;
  readonly nodes: number;
  readonly resources: number;
  readonly services: number;
}

export const MAX_QUOTA_VALUE = 1_000_000;
export const MAX_TENANT_DISPLAY_NAME = 255;
const QUOTA_FIELDS = ['maxClusters', 'maxNodes', 'maxResources', 'maxServices'] as const;

/** The API answers FORBIDDEN before the repository's own check (a plain error) is reached. */
function assertPlatformAdmin(scope: TenantScope): void {
  if (!scope.isAdmin) throw new ForbiddenError('this operation is for platform admins');
}

/**
 * Tenants and their quotas. Listing, creating and changing tenants is for platform admins; every
 * caller may read its own tenant (the `viewer`).
 */
@Injectable()
export class TenantService {
  constructor(
    private readonly store: Store,
    private readonly quota: QuotaService,
  ) {}

  /** Tenants by id (keyset on the id, which is the tenant's own name). */
  async list(admin: TenantScope, args: { readonly first: number; readonly after?: string | null }): Promise<Page<TenantEntity>> {
    assertPlatformAdmin(admin);
    const rows = await this.store.repos.tenants.list(admin, args.first, args.after);
    return { rows: rows.slice(0, args.first), hasNextPage: rows.length > args.first };
  }

  /** A tenant: any for platform admins, otherwise only the caller's own (others read as absent). */
  async get(scope: TenantScope, id: string): Promise<TenantEntity> {
    const row = scope.isAdmin || id === scope.tenantId ? await this.store.repos.tenants.find(id) : null;
    if (!row) throw new NotFoundError('Tenant', id);
    return row;
  }

  /** The caller's own tenant (created on first use by the authentication layer; made sure of here too). */
  async own(scope: TenantScope): Promise<TenantEntity> {
    const row = await this.store.repos.tenants.find(scope.tenantId);
    if (row) return row;
    await this.store.repos.tenants.ensure(scope.tenantId);
    return this.get(scope, scope.tenantId);
  }

  async create(admin: TenantScope, input: CreateTenant): Promise<TenantEntity> {
    assertPlatformAdmin(admin);
    const p = new Problems();
    p.check(TENANT_ID_PATTERN.test(input.id), 'id', 'must be 1-64 letters, digits, "_" or "-" (as tokens carry it)');
    checkDisplayName(p, input.displayName);
    p.throwIfAny();
    const conflict = () => new ConflictError(`tenant "${input.id}" already exists`, { id: input.id });
    return this.store.transaction(async (repos) => {
      if (await repos.tenants.find(input.id)) throw conflict();
      const row = Object.assign(new TenantEntity(), {
        id: input.id,
        displayName: input.displayName ?? null,
        maxClusters: null,
        maxNodes: null,
        maxResources: null,
        maxServices: null,
      });
      // a concurrent creation of the same id loses on the primary key
      await repos.tenants.save(admin, row).catch((err: unknown) => {
        if (isDuplicateKey(err)) throw conflict();
        throw err;
      });
      await repos.audit.append(admin, { action: 'tenant.created', tenantId: input.id, targetId: input.id, details: { displayName: input.displayName ?? null } });
      return (await repos.tenants.find(input.id)) as TenantEntity;
    });
  }

  async setQuota(admin: TenantScope, input: SetTenantQuota): Promise<TenantEntity> {
    assertPlatformAdmin(admin);
    const p = new Problems();
    for (const field of QUOTA_FIELDS) {
      const value = input[field];
      if (value == null) continue;
      p.check(Number.isInteger(value) && value >= 0 && value <= MAX_QUOTA_VALUE, field, `must be an integer from 0 to ${MAX_QUOTA_VALUE}, or null for the default`);
    }
    p.throwIfAny();
    return this.store.transaction(async (repos) => {
      const row = await repos.tenants.find(input.id);
      if (!row) throw new NotFoundError('Tenant', input.id);
      for (const field of QUOTA_FIELDS) {
        const value = input[field];
        if (value !== undefined) row[field] = value;
      }
      await repos.tenants.save(admin, row);
      const changed = Object.fromEntries(QUOTA_FIELDS.filter((f) => input[f] !== undefined).map((f) => [f, input[f]]));
      await repos.audit.append(admin, { action: 'tenant.quota_changed', tenantId: input.id, targetId: input.id, details: changed });
      return (await repos.tenants.find(input.id)) as TenantEntity;
    });
  }

  /** The audit log, newest first (platform admins only). */
  async auditLog(admin: TenantScope, q: AuditQuery): Promise<Page<AuditEntryEntity>> {
    assertPlatformAdmin(admin);
    const rows = await this.store.repos.audit.list(admin, q);
    return { rows: rows.slice(0, q.first), hasNextPage: rows.length > q.first };
  }

  /** Records an action done outside a database transaction (agent tokens and rate limits live in Redis), once it is done. */
  async audit(scope: TenantScope, entry: NewAuditEntry): Promise<void> {
    await this.store.repos.audit.append(scope, entry);
  }

  /** Effective limits: the tenant's overrides, else the configured defaults. */
  quotaOf(tenant: TenantEntity | null): TenantQuota {
    return this.quota.effective(tenant);
  }

  /**
   * What tenants use, one entry per id in the order given. The caller's own tenant, or any for a
   * platform admin: counting another tenant's rows needs a scope of that tenant, minted here
   * only for admins (as the guard does for an admin's X-HAaaS-Tenant).
   */
  async usageOf(scope: TenantScope, tenantIds: readonly string[]): Promise<TenantUsage[]> {
    if (tenantIds.some((id) => id !== scope.tenantId)) assertPlatformAdmin(scope);
    // one statement for all the tenants of a page (the admin `tenants` list)
    const usage = await this.store.repos.tenants.usageOf(scope, tenantIds);
    return tenantIds.map((id) => usage.get(id) ?? { clusters: 0, nodes: 0, resources: 0, services: 0 });
  }
}

function checkDisplayName(p: Problems, value: string | null | undefined): void {
  if (value == null) return;
  p.check(value.trim().length > 0 && value.length <= MAX_TENANT_DISPLAY_NAME, 'displayName', `must be 1-${MAX_TENANT_DISPLAY_NAME} characters`);
  p.check(![...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'displayName', 'must not contain control characters');
}
