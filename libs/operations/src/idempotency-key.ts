import { Problems } from '@haaas/domain';
import type { TenantScope } from '@haaas/domain';

/** Printable ASCII without spaces: UUIDs, ULIDs, request ids, `deploy-42/step-3`. */
const KEY = /^[\x21-\x7e]{1,80}$/;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 80;

/** Adds a problem when a client's idempotency key is unusable (absent is fine). */
export function checkIdempotencyKey(p: Problems, field: string, key: string | null | undefined): void {
  if (key === undefined || key === null) return;
  p.check(KEY.test(key), field, `must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`);
}

/**
 * The stored form: the column is unique across tenants, so the tenant is part of it, and two
 * tenants using the same key (both generate `retry-1`) never meet. Tenant ids are at most 64
 * characters, so this fits the column's 160.
 */
export function storedIdempotencyKey(scope: TenantScope, key: string): string {
  return `${scope.tenantId}/${key}`;
}
