import { SystemActor } from './system-actors';
import { PlatformAdminScope, Role, ROLES, SystemScope, TenantId, TenantScope, UserActor, UserScope } from './tenancy';

describe('TenantScope', () => {
  it('carries the tenant and the user it was minted for', () => {
    const scope = TenantScope.of('tenant-a', { subject: 'user-1', roles: ['member'] });
    expect(scope.tenantId).toBe('tenant-a');
    expect(scope.actor).toEqual({ kind: 'user', subject: 'user-1', roles: ['member'] });
    expect([scope.isUser(), scope.isSystem()]).toEqual([true, false]);
  });

  it.each<[Role[], boolean, boolean]>([
    [['admin'], true, true],
    [['member'], true, false],
    [['reader'], false, false],
    [[], false, false],
    [['reader', 'member'], true, false],
    [['reader', 'admin'], true, true],
  ])('a user with roles %p: canWrite=%p, platform admin=%p', (roles, canWrite, admin) => {
    const scope = TenantScope.of('t', { subject: 'user-1', roles });
    expect(scope.canWrite).toBe(canWrite);
    expect(scope.isTenantAdmin).toBe(admin);
    expect(scope.isPlatformAdmin()).toBe(admin);
  });

  it('a system actor writes and administers its tenant, and is never a platform admin', () => {
    const scope = TenantScope.system('t', SystemActor.Detector);
    expect(scope.actor).toEqual({ kind: 'system', actor: 'system:detector', subject: 'system:detector', roles: ['admin'] });
    expect([scope.canWrite, scope.isTenantAdmin, scope.isPlatformAdmin(), scope.isSystem(), scope.isUser()]).toEqual([true, true, false, true, false]);
  });

  it('refuses a system actor as a token subject: a tenant admin cannot act as one', () => {
    expect(() => TenantScope.of('t', { subject: SystemActor.Recovery, roles: ['admin'] })).toThrow('system:recovery is a system actor');
  });

  it('names who asked for work a system actor does: a system actor as itself, a user with the work roles', () => {
    const ops = TenantScope.system('t', SystemActor.Operations);
    const byUser = TenantScope.requestedBy(ops, 'alice@example.com');
    expect([byUser.actor.kind, byUser.actor.subject, byUser.tenantId]).toEqual(['user', 'alice@example.com', 't']);
    const bySystem = TenantScope.requestedBy(ops, SystemActor.Failback);
    expect([bySystem.actor.kind, bySystem.actor.subject]).toEqual(['system', 'system:failback']);
  });

  it('knows exactly three roles', () => {
    expect(ROLES).toEqual(['admin', 'member', 'reader']);
  });

  it('keeps users, system actors and platform admins apart in the types (checked by tsc)', () => {
    const user = TenantScope.of('t', { subject: 'u', roles: ['admin'] });
    const system = TenantScope.system('t', SystemActor.Recovery);
    const onlySystem = (s: SystemScope): string => s.actor.actor;
    const onlyUser = (s: UserScope): string => s.actor.subject;
    const onlyPlatformAdmin = (s: PlatformAdminScope): string => s.tenantId;
    // @ts-expect-error a user's scope (even an admin's) is not a system actor's
    onlySystem(user);
    // @ts-expect-error a system actor's scope is not a user's
    onlyUser(system);
    // @ts-expect-error a system actor is never a platform admin
    onlyPlatformAdmin(system);
    // @ts-expect-error an admin user is a platform admin only once checked (isPlatformAdmin)
    onlyPlatformAdmin(user);
    if (user.isPlatformAdmin()) expect(onlyPlatformAdmin(user)).toBe('t');
    expect(onlySystem(system)).toBe('system:recovery');
  });

  it('cannot be built or forged without TenantScope.of or TenantScope.system (checked by tsc)', () => {
    const construct = (id: TenantId, a: UserActor): TenantScope =>
      // @ts-expect-error the constructor is private: only the auth layer and the engine's components mint scopes
      new TenantScope(id, a);
    const brand = (s: string): TenantId =>
      // @ts-expect-error a plain string is not a TenantId
      s;
    expect(typeof construct).toBe('function');
    expect(typeof brand).toBe('function');
  });
});
