/**
 * From the merged OS_* settings to a client of the API: a Keystone token (password, application
 * credential or token; cached), the endpoint (--endpoint, HAAAS_URL, or the catalog's `ha`
 * service), or a plain HAaaS JWT from HAAAS_TOKEN.
 */
import { HaaasClient, keystoneTokenProvider, type FetchLike, type KeystoneAuthOptions, type KeystoneSession } from '@haaas/sdk';
import type { OsSettings } from '@haaas/os-config';
import { TokenCache } from './token-cache';

/** Settings missing or contradictory (exit code 1, with what to set). */
export class AuthConfigError extends Error {}

export interface ClientSettings {
  readonly os: OsSettings;
  readonly endpoint: string | undefined;
  readonly haaasToken: string | undefined;
  readonly tenant: string | undefined;
  readonly cache: TokenCache | undefined;
  readonly fetch: FetchLike;
  /** For `event list --follow` (graphql-ws): Node 20 has no global WebSocket. */
  readonly webSocketImpl: unknown;
  /** Asks for the password when none is given (on a terminal only). */
  readonly promptPassword: (() => Promise<string>) | undefined;
}

export interface Connected {
  readonly client: HaaasClient;
  /** The Keystone session, when authenticated by Keystone. */
  readonly session: (() => Promise<KeystoneSession>) | undefined;
}

export async function connect(s: ClientSettings): Promise<Connected> {
  if (s.haaasToken) {
    if (!s.endpoint) throw new AuthConfigError('HAAAS_TOKEN needs the API URL: set HAAAS_URL or --endpoint');
    return { client: new HaaasClient({ url: s.endpoint, token: s.haaasToken, fetch: s.fetch, webSocketImpl: s.webSocketImpl, ...tenantOf(s) }), session: undefined };
  }
  const options = await keystoneOptions(s);
  const key = TokenCache.keyOf([options.authUrl, s.os.auth_type, s.os.user_id ?? s.os.username, s.os.user_domain_id ?? s.os.user_domain_name, s.os.project_id ?? s.os.project_name, s.os.project_domain_id ?? s.os.project_domain_name, s.os.application_credential_id, s.os.token?.slice(-16)]);
  const cached = s.cache?.get(key);
  const provider = keystoneTokenProvider(options, cached);
  const session = async (refresh = false): Promise<KeystoneSession> => {
    if (refresh) s.cache?.delete(key);
    const current = await provider.session(refresh);
    if (current !== cached) s.cache?.set(key, current);
    return current;
  };
  let url = s.endpoint;
  if (!url) {
    const found = await provider.endpoint('ha', { interface: s.os.interface ?? 'public', ...(s.os.region_name ? { region: s.os.region_name } : {}) });
    if (!found) throw new AuthConfigError('no "ha" service in the Keystone catalog: give the API URL with --endpoint or HAAAS_URL');
    url = found;
    await session(); // the catalog lookup may have logged in: remember the token
  }
  const client = new HaaasClient({ url, token: async ({ refresh }) => (await session(refresh)).token, tokenKind: 'keystone', fetch: s.fetch, webSocketImpl: s.webSocketImpl, ...tenantOf(s) });
  return { client, session: () => session() };
}

function tenantOf(s: ClientSettings): { tenant?: string } {
  return s.tenant ? { tenant: s.tenant } : {};
}

async function keystoneOptions(s: ClientSettings): Promise<KeystoneAuthOptions> {
  const o = s.os;
  if (!o.auth_url) throw new AuthConfigError('missing authentication: set OS_AUTH_URL (or --os-auth-url, or OS_CLOUD with clouds.yaml), or HAAAS_TOKEN with HAAAS_URL');
  const scope = {
    ...(o.project_id ? { projectId: o.project_id } : {}),
    ...(o.project_name ? { projectName: o.project_name } : {}),
    ...(o.project_domain_name ? { projectDomainName: o.project_domain_name } : {}),
    ...(o.project_domain_id ? { projectDomainId: o.project_domain_id } : {}),
  };
  const base = { authUrl: o.auth_url, fetch: s.fetch, ...scope };
  const type = o.auth_type ?? (o.application_credential_id ? 'v3applicationcredential' : o.token ? 'v3token' : 'password');
  switch (type) {
    case 'v3applicationcredential':
    case 'applicationcredential':
      if (!o.application_credential_id || !o.application_credential_secret) {
        throw new AuthConfigError('v3applicationcredential needs OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET');
      }
      return { ...base, type: 'v3applicationcredential', applicationCredentialId: o.application_credential_id, applicationCredentialSecret: o.application_credential_secret };
    case 'v3token':
    case 'token':
      if (!o.token) throw new AuthConfigError('v3token needs OS_TOKEN (or --os-token)');
      return { ...base, type: 'v3token', token: o.token };
    case 'password':
    case 'v3password': {
      if (!o.username && !o.user_id) throw new AuthConfigError('password authentication needs OS_USERNAME (or OS_USER_ID)');
      let password = o.password;
      if (password === undefined && s.promptPassword) password = await s.promptPassword();
      if (password === undefined) throw new AuthConfigError('password authentication needs OS_PASSWORD (no terminal to ask on)');
      return {
        ...base,
        type: 'password',
        password,
        ...(o.username ? { username: o.username } : {}),
        ...(o.user_id ? { userId: o.user_id } : {}),
        ...(o.user_domain_name ? { userDomainName: o.user_domain_name } : {}),
        ...(o.user_domain_id ? { userDomainId: o.user_domain_id } : {}),
      };
    }
    default:
      throw new AuthConfigError(`unsupported OS_AUTH_TYPE "${type}" (password, v3token, v3applicationcredential)`);
  }
}
