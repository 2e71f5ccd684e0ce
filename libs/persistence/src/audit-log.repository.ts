import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AUDIT_ACTIONS, type AuditAction, type TenantScope } from '@haaas/domain';
import { currentRequestId } from '@haaas/logging';
import { AuditEntryEntity } from './entities';
import { newId } from './tenant.repository';

/** What an action records; who (the scope's subject), when (the database clock) and which request are filled in. */
export interface NewAuditEntry {
  readonly action: AuditAction;
  readonly targetId: string;
  /** The tenant acted on; the scope's own when absent. */
  readonly tenantId?: string;
  /** What changed; never a secret. */
  readonly details?: Record<string, unknown> | null;
}

export interface AuditQuery {
  readonly first: number;
  readonly after?: string | null;
  readonly tenantId?: string | null;
  readonly action?: string | null;
}

/**
 * The audit log's only access path: append and read. There is deliberately no update or delete
 * here (and the database refuses both, see the AuditLog migration's triggers).
 */
export class AuditLogRepository {
  constructor(private readonly manager: EntityManager) {}

  /** In the caller's transaction when given its repositories: the action and its entry commit together. */
  async append(scope: TenantScope, entry: NewAuditEntry): Promise<string> {
    const id = newId();
    const row = {
      id,
      tenantId: entry.tenantId ?? scope.tenantId,
      actor: scope.actor.subject,
      action: entry.action,
      targetType: AUDIT_ACTIONS[entry.action],
      targetId: entry.targetId,
      details: entry.details ?? null,
      requestId: currentRequestId() ?? null,
    };
    // `details` is a JSON column: TypeORM's deep-partial type does not take a free-form record
    await this.manager.insert(AuditEntryEntity, row as QueryDeepPartialEntity<AuditEntryEntity>);
    return id;
  }

  /** Newest first (keyset on the time-ordered id); platform admins only. */
  list(admin: TenantScope, q: AuditQuery): Promise<AuditEntryEntity[]> {
    if (!admin.isPlatformAdmin()) throw new Error('audit log: a platform admin scope is required');
    const qb = this.manager.createQueryBuilder(AuditEntryEntity, 'a').orderBy('a.id', 'DESC').take(q.first + 1);
    if (q.after) qb.andWhere('a.id < :after', { after: q.after });
    if (q.tenantId) qb.andWhere('a.tenantId = :tenantId', { tenantId: q.tenantId });
    if (q.action) qb.andWhere('a.action = :action', { action: q.action });
    return qb.getMany();
  }
}
