import { Injectable } from '@nestjs/common';
import type { KeystoneExchangeAudit, KeystoneExchangeEvent } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { Store } from '@haaas/persistence';

/** A refused token's subject when Keystone does not say whose it is. */
const UNKNOWN_SUBJECT = 'keystone:unknown';

/**
 * The auth library's KeystoneExchangeAudit over the audit log: who (the HAaaS subject, the
 * Keystone user), which project and tenant, accepted or refused and why. Never the token: the
 * event carries none. A refused token's entry is in its project's tenant when Keystone named one,
 * else in no tenant (tenantId '').
 */
@Injectable()
export class KeystoneAuditService implements KeystoneExchangeAudit {
  constructor(private readonly store: Store) {}

  async record(event: KeystoneExchangeEvent): Promise<void> {
    const audit = this.store.repos.audit;
    if (event.kind === 'refused') {
      const k = event.keystone;
      const subject = k ? `keystone:${k.userId}` : UNKNOWN_SUBJECT;
      const tenantId = k?.projectId ?? '';
      await audit.append(TenantScope.of(tenantId, { subject, roles: [] }), {
        action: 'auth.keystone_refused',
        targetId: subject.slice(0, 64),
        details: { reason: event.reason, keystoneUserId: k?.userId ?? null, projectId: k?.projectId ?? null, keystoneRoles: k ? [...k.roles] : [] },
      });
      return;
    }
    const { principal } = event;
    const scope = TenantScope.of(principal.tenantId, { subject: principal.subject, roles: principal.roles });
    const details =
      event.kind === 'accepted'
        ? { keystoneUserId: event.keystone.userId, projectId: event.keystone.projectId ?? null, keystoneRoles: [...event.keystone.roles], roles: [...principal.roles] }
        : { roles: [...principal.roles], expiresIn: event.expiresIn };
    await audit.append(scope, { action: event.kind === 'accepted' ? 'auth.keystone_accepted' : 'auth.keystone_jwt_issued', targetId: principal.subject.slice(0, 64), details });
  }
}
