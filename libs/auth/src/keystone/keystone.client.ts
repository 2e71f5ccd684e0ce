import type { KeystoneConfig } from '@haaas/config';

/** What a validation tells about a token (GET /v3/auth/tokens, `token` of the body). */
export interface KeystoneToken {
  readonly userId: string;
  readonly projectId: string | undefined;
  readonly roles: readonly string[];
  readonly expiresAt: number;
}

/** Keystone did not answer usefully (network, timeout, 5xx): not the token's fault. */
export class KeystoneUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Keystone unavailable: ${reason}`);
    this.name = 'KeystoneUnavailableError';
  }
}

/** Refresh the service token this long before it expires. */
const SERVICE_TOKEN_MARGIN_MS = 60_000;

/**
 * The two calls the API makes to Keystone: its own service token (password auth, cached until
 * shortly before expiry, renewed once on a 401) and the validation of a subject token.
 */
export class KeystoneClient {
  private service: Promise<{ token: string; expiresAt: number }> | undefined;

  constructor(private readonly config: KeystoneConfig) {}

  /** The token's facts, or undefined when Keystone says it is invalid, expired or revoked (404). */
  async validate(subjectToken: string): Promise<KeystoneToken | undefined> {
    for (let attempt = 0; ; attempt++) {
      const serviceToken = await this.serviceToken();
      const res = await this.fetch('/auth/tokens?nocatalog', { headers: { 'x-auth-token': serviceToken, 'x-subject-token': subjectToken } });
      if (res.status === 401 && attempt === 0) {
        this.service = undefined; // our own token went stale (revoked, keys rotated): once more with a new one
        continue;
      }
      if (res.status === 404 || res.status === 401) return undefined;
      if (res.status !== 200) throw new KeystoneUnavailableError(`token validation answered HTTP ${res.status}`);
      return parseToken(await res.json());
    }
  }

  /** Whether Keystone answers its version document (readiness). */
  async ping(): Promise<boolean> {
    try {
      return (await this.fetch('', {})).ok;
    } catch {
      return false;
    }
  }

  private serviceToken(): Promise<string> {
    const cached = this.service;
    if (cached) {
      return cached.then((s) => (s.expiresAt - SERVICE_TOKEN_MARGIN_MS > Date.now() ? s.token : ((this.service = undefined), this.serviceToken())));
    }
    const pending = this.authenticate();
    this.service = pending;
    pending.catch(() => (this.service = undefined));
    return pending.then((s) => s.token);
  }

  private async authenticate(): Promise<{ token: string; expiresAt: number }> {
    const s = this.config.service;
    const res = await this.fetch('/auth/tokens?nocatalog', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: s.username, domain: { name: s.userDomainName }, password: s.password } } },
          scope: { project: { name: s.projectName, domain: { name: s.projectDomainName } } },
        },
      }),
    });
    if (res.status !== 201) throw new KeystoneUnavailableError(`the API's service user cannot log in (HTTP ${res.status})`);
    const token = res.headers.get('x-subject-token');
    const parsed = parseToken(await res.json());
    if (!token) throw new KeystoneUnavailableError('no X-Subject-Token in the service login');
    return { token, expiresAt: parsed.expiresAt };
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.config.authUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.config.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new KeystoneUnavailableError(timedOut ? `no answer within ${this.config.timeoutMs} ms` : `cannot connect (${cause ?? (error as Error).message})`);
    }
  }
}

function parseToken(body: unknown): KeystoneToken {
  const token = (body as { token?: Record<string, unknown> }).token;
  const user = token?.['user'] as { id?: unknown } | undefined;
  const project = token?.['project'] as { id?: unknown } | undefined;
  const roles = Array.isArray(token?.['roles']) ? (token['roles'] as { name?: unknown }[]) : [];
  const expiresAt = Date.parse(String(token?.['expires_at']));
  if (typeof user?.id !== 'string' || Number.isNaN(expiresAt)) throw new KeystoneUnavailableError('unexpected token document');
  return {
    userId: user.id,
    projectId: typeof project?.id === 'string' ? project.id : undefined,
    roles: roles.map((r) => r.name).filter((n): n is string => typeof n === 'string'),
    expiresAt,
  };
}
