import { isSystemActor, SystemActor } from './system-actors';

/**
 * The tenant a request acts in, and who acts. Only the authentication layer mints a user's scope
 * (`TenantScope.of`, from a verified token); the engine's components mint their own with
 * `TenantScope.system` (ADR 0002). Every tenant-owned repository method takes a scope as its first
 * argument, so a query without a tenant cannot be written by accident.
 */
declare const tenantBrand: unique symbol;
export type TenantId = string & { readonly [tenantBrand]: true };

export type Role = 'admin' | 'member' | 'reader';
export const ROLES: readonly Role[] = ['admin', 'member', 'reader'];

/** A human (or a service account) behind a verified token: their roles are the token's. */
export interface UserActor {
  readonly kind: 'user';
  /** Token subject. */
  readonly subject: string;
  readonly roles: readonly Role[];
}

/**
 * A component of the engine acting on its own (detector, recovery, failback, ...): it reads and
 * changes every object of the tenant it acts in (its `roles` say so to code that reads roles), but
 * it is never a platform admin: it cannot create tenants or change their quotas and limits.
 */
export interface SystemActorIdentity {
  readonly kind: 'system';
  readonly actor: SystemActor;
  /** The actor's name, as the cluster log's `actor` shows it. */
  readonly subject: SystemActor;
  readonly roles: readonly ['admin'];
}

export type Actor = UserActor | SystemActorIdentity;

/** What TenantScope.of takes: a token's subject and roles. */
export interface UserClaims {
  readonly subject: string;
  readonly roles: readonly Role[];
}

export class TenantScope<A extends Actor = Actor> {
  private constructor(
    readonly tenantId: TenantId,
    readonly actor: A,
  ) {}

  /** A user's scope, from a verified token. A system actor's name is refused as a subject: no token speaks for the engine. */
  static of(tenantId: string, claims: UserClaims): UserScope {
    if (isSystemActor(claims.subject)) throw new Error(`${claims.subject} is a system actor: its scope is made by TenantScope.system, not from a token`);
    return new TenantScope(tenantId as TenantId, { kind: 'user', subject: claims.subject, roles: claims.roles });
  }

  /** A system actor's scope in a tenant (the one way the engine's components mint theirs). */
  static system(tenantId: string, actor: SystemActor): SystemScope {
    return new TenantScope(tenantId as TenantId, { kind: 'system', actor, subject: actor, roles: ['admin'] as const });
  }

  /**
   * The scope of whoever asked for `work` done by a system actor (an operation's requester), in
   * the system scope's tenant: a system actor as itself, a user with the roles the work runs with.
   */
  static requestedBy(system: SystemScope, subject: string): TenantScope {
    return isSystemActor(subject) ? TenantScope.system(system.tenantId, subject) : TenantScope.of(system.tenantId, { subject, roles: system.actor.roles });
  }

  isSystem(): this is SystemScope {
    return this.actor.kind === 'system';
  }

  isUser(): this is UserScope {
    return this.actor.kind === 'user';
  }

  /** May change objects of the tenant: a user with the admin or member role, or a system actor. */
  get canWrite(): boolean {
    return this.actor.kind === 'system' || this.actor.roles.includes('admin') || this.actor.roles.includes('member');
  }

  /** Administers the tenant it acts in: a user with the admin role, or a system actor. */
  get isTenantAdmin(): boolean {
    return this.actor.kind === 'system' || this.actor.roles.includes('admin');
  }

  /** A platform admin (a human whose token has the admin role): tenants, quotas and limits are theirs alone, never a system actor's. */
  isPlatformAdmin(): this is PlatformAdminScope {
    return this.actor.kind === 'user' && this.actor.roles.includes('admin');
  }
}

export type UserScope = TenantScope<UserActor>;
export type SystemScope = TenantScope<SystemActorIdentity>;

declare const platformAdminBrand: unique symbol;
/** A user scope checked to be a platform admin's (by `isPlatformAdmin`): what platform-admin operations take. */
export type PlatformAdminScope = UserScope & { readonly [platformAdminBrand]: true };

/** A system actor's scope in a tenant: admin of that tenant, as it must read and change every object there. */
export function systemScope(tenantId: string, actor: SystemActor): SystemScope {
  return TenantScope.system(tenantId, actor);
}
