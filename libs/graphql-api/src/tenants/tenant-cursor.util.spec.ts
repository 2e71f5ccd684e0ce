import { BadInputError } from '@haaas/domain';
import { decodeTenantCursor, encodeTenantCursor } from './tenant-cursor.util';

describe('tenant cursors', () => {
  it('round-trip tenant ids up to 64 characters', () => {
    for (const id of ['a', 'acme-prod', 'x'.repeat(64)]) expect(decodeTenantCursor(encodeTenantCursor(id))).toBe(id);
  });

  it('refuse what they did not make', () => {
    expect(() => decodeTenantCursor('garbage')).toThrow(BadInputError);
    expect(() => decodeTenantCursor(Buffer.from('c1:acme').toString('base64url'))).toThrow(BadInputError);
    expect(() => decodeTenantCursor(encodeTenantCursor('x'.repeat(65)))).toThrow(BadInputError);
    expect(() => decodeTenantCursor(encodeTenantCursor(''))).toThrow(BadInputError);
  });
});
