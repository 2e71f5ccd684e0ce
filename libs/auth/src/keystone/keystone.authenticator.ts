import { createHash } from 'node:crypto';
import type { KeystoneConfig } from '@haaas/config';
import type { Principal } from '../jwt-claims.parser';
import { KeystoneClient, type KeystoneToken } from './keystone.client';
import type { KeystoneExchangeAudit, KeystoneExchangeEvent, KeystoneFacts } from './keystone-audit.interface';
import { mapKeystoneToken } from './keystone-roles.mapper';

type Entry = { readonly principal: Principal | undefined; readonly until: number; readonly expiresAt: number };

/**
 * Keystone tokens to principals, with a bounded cache: an entry lives `cacheSeconds` at most and
 * never past the token's expiry, so a revoked token stops working within `cacheSeconds`. Keys are
 * SHA-256 of the tokens (no token kept in memory); concurrent requests with one token share a call.
 * Each validation with Keystone is an exchange the audit log records (when given one); a refused
 * token is validated again on every use (refusals are not cached) but recorded once per
 * `cacheSeconds`, so a client retrying a bad token does not fill the log.
 */
export class KeystoneAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  /** Token hashes whose refusal was recorded, until when. */
  private readonly refusalsRecorded = new Map<string, number>();
  /** Calls to Keystone's validation, for the benchmark (validations per request). */
  validations = 0;

  constructor(
    private readonly config: KeystoneConfig,
    private readonly client = new KeystoneClient(config),
    private readonly audit?: KeystoneExchangeAudit,
  ) {}

  /** The principal, or undefined for an invalid, revoked, expired or unmappable token; throws KeystoneUnavailableError. */
  async authenticate(token: string): Promise<Principal | undefined> {
    return (await this.authenticateWithExpiry(token))?.principal;
  }

  /** Like authenticate, with the token's expiry (ms since the epoch), for the token exchange. */
  async authenticateWithExpiry(token: string): Promise<{ principal: Principal; expiresAt: number } | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return found(hit);
    if (hit) this.cache.delete(key);
    let call = this.pending.get(key);
    if (!call) {
      call = this.validate(token, key).finally(() => this.pending.delete(key));
      this.pending.set(key, call);
    }
    const entry = await call;
    if (entry.until > Date.now()) this.remember(key, entry);
    return found(entry);
  }

  /** Records that POST /v1/auth/keystone signed a HAaaS JWT for the principal (once per call). */
  async jwtIssued(principal: Principal, expiresIn: number): Promise<void> {
    await this.audit?.record({ kind: 'jwt_issued', principal, expiresIn });
  }

  ping(): Promise<boolean> {
    return this.client.ping();
  }

  private async validate(token: string, key: string): Promise<Entry> {
    this.validations++;
    const found = await this.client.validate(token);
    const now = Date.now();
    const refused = { principal: undefined, until: 0, expiresAt: 0 };
    if (!found || found.expiresAt <= now) {
      await this.record({ kind: 'refused', reason: found ? 'expired' : 'unknown_token', ...(found ? { keystone: factsOf(found) } : {}) }, key);
      return refused;
    }
    const mapped = mapKeystoneToken(found, this.config.roles);
    if ('refused' in mapped) {
      await this.record({ kind: 'refused', reason: mapped.refused, keystone: factsOf(found) }, key);
      return refused;
    }
    await this.record({ kind: 'accepted', principal: mapped.principal, keystone: factsOf(found) }, key);
    const until = Math.min(found.expiresAt, now + this.config.cacheSeconds * 1000);
    return { principal: mapped.principal, until, expiresAt: found.expiresAt };
  }

  private async record(event: KeystoneExchangeEvent, key: string): Promise<void> {
    if (!this.audit) return;
    if (event.kind === 'refused') {
      const now = Date.now();
      if ((this.refusalsRecorded.get(key) ?? 0) > now) return;
      this.refusalsRecorded.delete(key);
      this.refusalsRecorded.set(key, now + this.config.cacheSeconds * 1000);
      if (this.refusalsRecorded.size > this.config.cacheSize) this.refusalsRecorded.delete(this.refusalsRecorded.keys().next().value as string);
    }
    await this.audit.record(event);
  }

  private remember(key: string, entry: Entry): void {
    this.cache.set(key, entry);
    if (this.cache.size > this.config.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}

function factsOf(token: KeystoneToken): KeystoneFacts {
  return { userId: token.userId, projectId: token.projectId, roles: token.roles };
}

function found(entry: Entry): { principal: Principal; expiresAt: number } | undefined {
  return entry.principal ? { principal: entry.principal, expiresAt: entry.expiresAt } : undefined;
}
