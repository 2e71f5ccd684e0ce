/**
 * Keystone tokens cached per auth URL, user and project in one file readable by its owner only
 * (0600, in a 0700 directory), until shortly before they expire: a command does not log in again
 * each time. A refused token (revoked) is replaced at once.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KeystoneSession } from '@haaas/sdk';

/** A cached token is used only while it has this much life left. */
export const TOKEN_CACHE_MARGIN_MS = 5 * 60_000;

export function defaultCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'haaas', 'tokens.json');
}

export class TokenCache {
  constructor(private readonly file: string) {}

  /** The key of a login: what identifies whose token it is (never the password or secret). */
  static keyOf(parts: readonly (string | undefined)[]): string {
    return createHash('sha256').update(parts.map((p) => p ?? '').join('\0')).digest('hex');
  }

  get(key: string, now = Date.now()): KeystoneSession | undefined {
    const entry = this.read()[key];
    return entry && Date.parse(entry.expiresAt) - TOKEN_CACHE_MARGIN_MS > now ? entry : undefined;
  }

  set(key: string, session: KeystoneSession): void {
    const all = this.read();
    const now = Date.now();
    for (const [k, v] of Object.entries(all)) if (Date.parse(v.expiresAt) <= now) delete all[k];
    all[key] = session;
    this.write(all);
  }

  delete(key: string): void {
    const all = this.read();
    if (!(key in all)) return;
    delete all[key];
    this.write(all);
  }

  private read(): Record<string, KeystoneSession> {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, KeystoneSession>;
    } catch {
      return {};
    }
  }

  private write(all: Record<string, KeystoneSession>): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    // written aside and renamed: two commands at once never leave a torn file
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
