import type { KeystoneRoleMapping } from '@haaas/config';
import { ROLES, type Role } from '@haaas/domain';
import { TENANT_ID_PATTERN } from '../auth.constants';
import type { Principal } from '../jwt-claims.parser';
import type { KeystoneToken } from './keystone.client';

/**
 * A validated Keystone token as a HAaaS principal: its project id is the tenant, its roles map by
 * name (docs/adr: the Keystone mapping). Undefined when unusable: not project-scoped, or no role maps.
 */
export function principalFromKeystone(token: KeystoneToken, mapping: KeystoneRoleMapping): Principal | undefined {
  if (!token.projectId || !TENANT_ID_PATTERN.test(token.projectId)) return undefined;
  const roles = ROLES.filter((role: Role) => mapping[role].some((name) => token.roles.includes(name)));
  if (roles.length === 0) return undefined;
  return { subject: `keystone:${token.userId}`, tenantId: token.projectId, roles };
}
