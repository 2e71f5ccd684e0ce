import { Actor, Role, ROLES, TenantId, TenantScope } from './tenancy';

describe('TenantScope', () => {
  const actor = (...roles: Role[]): Actor => ({ subject: 'user-1', roles });

  it('carries the tenant and the actor it was minted with', () => {
    const a = actor('member');
    const scope = TenantScope.of('tenant-a', a);
    expect(scope.tenantId).toBe('tenant-a');
    expect(scope.actor).toBe(a);
  });

  it.each<[Role[], boolean, boolean]>([
    [['admin'], true, true],
    [['member'], true, false],
    [['reader'], false, false],
    [[], false, false],
    [['reader', 'member'], true, false],
    [['reader', 'admin'], true, true],
  ])('roles %p: canWrite=%p isAdmin=%p', (roles, canWrite, isAdmin) => {
    const scope = TenantScope.of('t', actor(...roles));
    expect(scope.canWrite).toBe(canWrite);
    expect(scope.isAdmin).toBe(isAdmin);
  });

  it('knows exactly three roles', () => {
    expect(ROLES).toEqual(['admin', 'member', 'reader']);
  });

  it('cannot be built or forged without TenantScope.of (checked by tsc)', () => {
    const construct = (id: TenantId, a: Actor): TenantScope =>
      // @ts-expect-error the constructor is private: only the auth layer mints scopes, through TenantScope.of
      new TenantScope(id, a);
    const brand = (s: string): TenantId =>
      // @ts-expect-error a plain string is not a TenantId
      s;
    expect(typeof construct).toBe('function');
    expect(typeof brand).toBe('function');
  });
});
