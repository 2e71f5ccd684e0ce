/**
 * The actions the audit log records, in one place: tenant-level and platform-admin changes that
 * the cluster log (per cluster, per tenant) does not hold or that an operator must be able to
 * answer for. The value says what the entry's target is.
 */
export const AUDIT_ACTIONS = {
  'tenant.created': 'Tenant',
  'tenant.quota_changed': 'Tenant',
  'tenant.rate_limits_changed': 'Tenant',
  'node.agent_token_issued': 'Node',
  'node.agent_token_revoked': 'Node',
  'webhook.created': 'Webhook',
  'webhook.secret_changed': 'Webhook',
  'webhook.deleted': 'Webhook',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as readonly AuditAction[];

export function isAuditAction(s: string): s is AuditAction {
  return Object.prototype.hasOwnProperty.call(AUDIT_ACTIONS, s);
}
