import { Args, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly, CurrentScope } from '@haaas/auth';
import { AUDIT_ACTION_NAMES, isAuditAction, Problems, TenantScope } from '@haaas/domain';
import { TenantService } from '@haaas/management';
import { toConnection, toPageArgs } from '../common/connection.model';
import { AuditEntryConnection } from './audit-entry.model';
import { AuditLogArgs } from './audit-log.args';

/** The audit log: platform admins only (tenant members get FORBIDDEN). */
@Resolver()
export class AuditLogResolver {
  constructor(private readonly tenants: TenantService) {}

  @AdminOnly()
  @Query(() => AuditEntryConnection, { description: 'Tenant-level and admin actions, newest first. Platform admins only.' })
  async auditLog(@CurrentScope() scope: TenantScope, @Args() args: AuditLogArgs): Promise<AuditEntryConnection> {
    const page = toPageArgs(args, 'DESC');
    const action = args.filter?.action ?? null;
    const p = new Problems();
    p.check(action === null || isAuditAction(action), 'filter.action', `must be one of ${AUDIT_ACTION_NAMES.join(', ')}`);
    p.throwIfAny();
    const rows = await this.tenants.auditLog(scope, { first: page.first, after: page.after ?? null, tenantId: args.filter?.tenantId ?? null, action });
    return toConnection(rows, (r) => ({ ...r }));
  }
}
