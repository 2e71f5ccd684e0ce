import type { Principal } from '../jwt-claims.parser';

/** Why a Keystone token was not mapped to a HAaaS subject (never the token itself). */
export type KeystoneRefusal =
  /** Keystone does not know the token: invalid, revoked or expired on its side (404). */
  | 'unknown_token'
  | 'expired'
  /** Unscoped or domain-scoped: no project, so no tenant. */
  | 'not_project_scoped'
  | 'no_role_maps';

/** What Keystone said about the token, without the token. */
export interface KeystoneFacts {
  readonly userId: string;
  readonly projectId: string | undefined;
  readonly roles: readonly string[];
}

/** One exchange of a Keystone token, as the audit log records it. */
export type KeystoneExchangeEvent =
  | { readonly kind: 'accepted'; readonly principal: Principal; readonly keystone: KeystoneFacts }
  | { readonly kind: 'refused'; readonly reason: KeystoneRefusal; readonly keystone?: KeystoneFacts }
  /** POST /v1/auth/keystone signed a HAaaS JWT for the principal. */
  | { readonly kind: 'jwt_issued'; readonly principal: Principal; readonly expiresIn: number };

/**
 * Where exchanges are recorded (the audit log, implemented over its table by the management
 * layer; libs/auth only calls it). Called once per validation with Keystone, never for a request
 * served from the cache; awaited, so an exchange that cannot be recorded fails.
 */
export interface KeystoneExchangeAudit {
  record(event: KeystoneExchangeEvent): Promise<void>;
}
