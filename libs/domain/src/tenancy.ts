/**
 * The tenant a request acts in. Only the authentication layer mints one (`TenantScope.of`), and
 * every tenant-owned repository method takes it as its first argument, so a query without a
 * tenant cannot be written by accident.
 */
declare const tenantBrand: unique symbol;
export type TenantId = string & { readonly [tenantBrand]: true };

export type Role = 'admin' | 'member' | 'reader';
export const ROLES: readonly Role[] = ['admin', 'member', 'reader'];

export interface Actor {
  /** Token subject (user or service account). */
  readonly subject: string;
  readonly roles: readonly Role[];
}

export class TenantScope {
  private constructor(
    readonly tenantId: TenantId,
    readonly actor: Actor,
  ) {}

  static of(tenantId: string, actor: Actor): TenantScope {
    return new TenantScope(tenantId as TenantId, actor);
  }

  get canWrite(): boolean {
    return this.actor.roles.includes('admin') || this.actor.roles.includes('member');
  }

  get isAdmin(): boolean {
    return this.actor.roles.includes('admin');
  }
}
