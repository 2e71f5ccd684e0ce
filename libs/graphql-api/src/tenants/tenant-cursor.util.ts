import { BadInputError } from '@haaas/domain';

/*
 * Cursors of the tenant list. Tenants are paged by their id, which is up to 64 characters: the
 * shared cursor codec caps its payload at 64 with its prefix, so it would refuse the longest ids.
 */
const PREFIX = 't1:';
const MAX_TENANT_ID = 64;

export function encodeTenantCursor(id: string): string {
  return Buffer.from(PREFIX + id, 'utf8').toString('base64url');
}

export function decodeTenantCursor(cursor: string, field = 'after'): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith(PREFIX) || raw.length <= PREFIX.length || raw.length > PREFIX.length + MAX_TENANT_ID) {
    throw BadInputError.of(field, 'is not a cursor returned by this API');
  }
  return raw.slice(PREFIX.length);
}
