import { createHash } from 'node:crypto';
import type { KeystoneConfig } from '@haaas/config';
import type { Principal } from '../jwt-claims.parser';
import { KeystoneClient } from './keystone.client';
import { principalFromKeystone } from './keystone-roles.mapper';

type Entry = { readonly principal: Principal | undefined; readonly until: number; readonly expiresAt: number };

/**
 * Keystone tokens to principals, with a bounded cache: an entry lives `cacheSeconds` at most and
 * never past the token's expiry, so a revoked token stops working within `cacheSeconds`. Keys are
 * SHA-256 of the tokens (no token kept in memory); concurrent requests with one token share a call.
 */
export class KeystoneAuthenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  /** Calls to Keystone's validation, for the benchmark (validations per request). */
  validations = 0;

  constructor(
    private readonly config: KeystoneConfig,
    private readonly client = new KeystoneClient(config),
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
      call = this.validate(token).finally(() => this.pending.delete(key));
      this.pending.set(key, call);
    }
    const entry = await call;
    if (entry.until > Date.now()) this.remember(key, entry);
    return found(entry);
  }

  ping(): Promise<boolean> {
    return this.client.ping();
  }

  private async validate(token: string): Promise<Entry> {
    this.validations++;
    const found = await this.client.validate(token);
    const now = Date.now();
    if (!found || found.expiresAt <= now) return { principal: undefined, until: 0, expiresAt: 0 };
    const until = Math.min(found.expiresAt, now + this.config.cacheSeconds * 1000);
    return { principal: principalFromKeystone(found, this.config.roles), until, expiresAt: found.expiresAt };
  }

  private remember(key: string, entry: Entry): void {
    this.cache.set(key, entry);
    if (this.cache.size > this.config.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}

function found(entry: Entry): { principal: Principal; expiresAt: number } | undefined {
  return entry.principal ? { principal: entry.principal, expiresAt: entry.expiresAt } : undefined;
}
