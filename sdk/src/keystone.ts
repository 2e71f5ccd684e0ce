/**
 * Keystone (OpenStack Identity v3) authentication: a token from a password, an application
 * credential or an existing token, kept until shortly before it expires and renewed then (or when
 * the API refuses it). Use it as the client's token with `tokenKind: 'keystone'`:
 *
 * ```ts
 * const auth = keystoneTokenProvider({ authUrl: 'https://keystone:5000/v3', type: 'password',
 *   username: 'alice', password, userDomainName: 'Default', projectName: 'ops', projectDomainName: 'Default' });
 * const client = new HaaasClient({ url: await auth.endpoint('ha') ?? url, token: auth.token, tokenKind: 'keystone' });
 * ```
 */
import { HaaasError, NetworkError, UnauthenticatedError } from './errors.js';
import type { FetchLike, TokenContext } from './transport.js';

/** How to authenticate, as `OS_AUTH_TYPE` names it (password, v3applicationcredential, v3token). */
export type KeystoneCredentials =
  | {
      readonly type: 'password';
      readonly username?: string;
      readonly userId?: string;
      readonly password: string;
      readonly userDomainName?: string;
      readonly userDomainId?: string;
    }
  | { readonly type: 'v3applicationcredential'; readonly applicationCredentialId: string; readonly applicationCredentialSecret: string }
  | { readonly type: 'v3token'; readonly token: string };

/** The project to scope to (an application credential is scoped already). */
export interface KeystoneScope {
  readonly projectId?: string;
  readonly projectName?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
}

export type KeystoneAuthOptions = KeystoneCredentials &
  KeystoneScope & {
    /** Identity v3 URL (`https://keystone:5000/v3`; `/v3` is added when missing). */
    readonly authUrl: string;
    /** Renew this long before expiry (default 60 s). */
    readonly marginMs?: number;
    readonly fetch?: FetchLike;
    readonly timeoutMs?: number;
  };

/** One endpoint of the token's service catalog. */
export interface KeystoneEndpoint {
  readonly interface: string;
  readonly region?: string;
  readonly url: string;
}

/** A Keystone token and what it says. */
export interface KeystoneSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly userId: string;
  readonly userName: string | undefined;
  readonly projectId: string | undefined;
  readonly projectName: string | undefined;
  readonly roles: readonly string[];
  /** service type → endpoints */
  readonly catalog: Readonly<Record<string, readonly KeystoneEndpoint[]>>;
}

export interface KeystoneTokenProvider {
  /** The token callback for {@link HaaasClientOptions.token}. */
  readonly token: (context: TokenContext) => Promise<string>;
  /** The current session, logging in when there is none or it is about to expire. */
  session(refresh?: boolean): Promise<KeystoneSession>;
  /** The URL of a service in the catalog (`ha` for HAaaS), of the given interface (default public). */
  endpoint(serviceType: string, options?: { readonly interface?: string; readonly region?: string }): Promise<string | undefined>;
}

/** A token provider that logs in to Keystone and renews the token before it expires. */
export function keystoneTokenProvider(options: KeystoneAuthOptions, initial?: KeystoneSession): KeystoneTokenProvider {
  const margin = options.marginMs ?? 60_000;
  let current: Promise<KeystoneSession> | undefined = initial ? Promise.resolve(initial) : undefined;
  const session = async (refresh = false): Promise<KeystoneSession> => {
    if (current && !refresh) {
      const s = await current.catch(() => undefined);
      if (s && Date.parse(s.expiresAt) - margin > Date.now()) return s;
    }
    const pending = keystoneLogin(options);
    current = pending;
    pending.catch(() => (current = undefined));
    return pending;
  };
  return {
    token: async ({ refresh }) => (await session(refresh)).token,
    session,
    endpoint: async (serviceType, o = {}) => pickEndpoint((await session()).catalog, serviceType, o.interface ?? 'public', o.region),
  };
}

/** Logs in once (`POST /v3/auth/tokens`); UnauthenticatedError when Keystone refuses, NetworkError when it is unreachable. */
export async function keystoneLogin(options: KeystoneAuthOptions): Promise<KeystoneSession> {
  const authUrl = identityUrl(options.authUrl);
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const body = JSON.stringify({ auth: { identity: identityOf(options), ...scopeOf(options) } });
  let res;
  let text: string;
  try {
    res = await fetchFn(`${authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    text = await res.text();
  } catch (cause) {
    throw new NetworkError(`cannot reach Keystone at ${authUrl}: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'NETWORK_ERROR', cause });
  }
  if (res.status === 401 || res.status === 404) throw new UnauthenticatedError(`Keystone refused the credentials (HTTP ${res.status}): ${keystoneMessage(text)}`, { code: 'UNAUTHENTICATED' });
  if (res.status !== 201) throw new HaaasError(`Keystone login failed (HTTP ${res.status}): ${keystoneMessage(text)}`, { code: 'KEYSTONE_ERROR' });
  const token = res.headers.get('x-subject-token');
  if (!token) throw new HaaasError('Keystone answered without an X-Subject-Token header', { code: 'KEYSTONE_ERROR' });
  return sessionOf(token, JSON.parse(text) as TokenBody);
}

/** `https://k:5000` or `https://k:5000/v3/` → `https://k:5000/v3`. */
export function identityUrl(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/v3') ? base : `${base}/v3`;
}

function identityOf(o: KeystoneCredentials): Record<string, unknown> {
  switch (o.type) {
    case 'password': {
      const domain = o.userDomainId ? { id: o.userDomainId } : { name: o.userDomainName ?? 'Default' };
      const user = o.userId ? { id: o.userId, password: o.password } : { name: o.username, domain, password: o.password };
      return { methods: ['password'], password: { user } };
    }
    case 'v3applicationcredential':
      return { methods: ['application_credential'], application_credential: { id: o.applicationCredentialId, secret: o.applicationCredentialSecret } };
    case 'v3token':
      return { methods: ['token'], token: { id: o.token } };
  }
}

function scopeOf(o: KeystoneAuthOptions): { scope?: unknown } {
  // an application credential carries its own project; Keystone refuses another scope
  if (o.type === 'v3applicationcredential') return {};
  if (o.projectId) return { scope: { project: { id: o.projectId } } };
  if (o.projectName) {
    const domain = o.projectDomainId ? { id: o.projectDomainId } : { name: o.projectDomainName ?? 'Default' };
    return { scope: { project: { name: o.projectName, domain } } };
  }
  return {};
}

interface TokenBody {
  token: {
    expires_at: string;
    user: { id: string; name?: string };
    project?: { id: string; name?: string };
    roles?: { name: string }[];
    catalog?: { type: string; endpoints: { interface: string; region?: string; url: string }[] }[];
  };
}

function sessionOf(token: string, body: TokenBody): KeystoneSession {
  const t = body.token;
  const catalog: Record<string, KeystoneEndpoint[]> = {};
  for (const service of t.catalog ?? []) {
    catalog[service.type] = service.endpoints.map((e) => ({ interface: e.interface, url: e.url, ...(e.region ? { region: e.region } : {}) }));
  }
  return {
    token,
    expiresAt: t.expires_at,
    userId: t.user.id,
    userName: t.user.name,
    projectId: t.project?.id,
    projectName: t.project?.name,
    roles: (t.roles ?? []).map((r) => r.name),
    catalog,
  };
}

function pickEndpoint(catalog: KeystoneSession['catalog'], type: string, iface: string, region: string | undefined): string | undefined {
  return (catalog[type] ?? []).find((e) => e.interface === iface && (!region || e.region === region))?.url;
}

function keystoneMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
