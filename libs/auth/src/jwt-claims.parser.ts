import { isSystemActor, ROLES, type Role } from '@haaas/domain';
import { TENANT_ID_PATTERN } from './auth.constants';

/** Who a verified token speaks for. */
export interface Principal {
  readonly subject: string;
  /** The tenant the token was issued for (an admin may act in another with X-HAaaS-Tenant). */
  readonly tenantId: string;
  readonly roles: readonly Role[];
}

const MAX_SUBJECT = 255;

/**
 * Reads the HAaaS claims of a verified payload: `sub`, `tenant`, `roles`, and an `exp` (a token
 * without one would never expire). Unknown roles are dropped, so an identity provider may add its
 * own; a token left with no HAaaS role, or whose subject is a system actor's name, is refused. Returns undefined when unusable.
 */
export function principalFromClaims(payload: unknown): Principal | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const claims = payload as Record<string, unknown>;
  const { sub, tenant, roles, exp } = claims;
  if (typeof exp !== 'number') return undefined;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT) return undefined;
  // the engine's own names (system:detector, ...) are no token's: nobody signs in as a system actor
  if (isSystemActor(sub)) return undefined;
  if (typeof tenant !== 'string' || !TENANT_ID_PATTERN.test(tenant)) return undefined;
  if (!Array.isArray(roles)) return undefined;
  const known = ROLES.filter((role) => roles.includes(role));
  if (known.length === 0) return undefined;
  return { subject: sub, tenantId: tenant, roles: known };
}
