/**
 * The provider block: the API endpoint and how to authenticate, a HAaaS token or Keystone, each
 * setting also from the environment (HAAAS_URL, HAAAS_TOKEN, and the OS_* variables of the
 * OpenStack CLI). Keystone settings are named as in the OpenStack provider (auth_url, user_name,
 * project_name, ...), so a platform team's existing variables carry over. A value in the block
 * beats its variable; `token` in the block beats Keystone, `auth_url` in the block beats
 * HAAAS_TOKEN, and HAAAS_TOKEN beats OS_AUTH_URL. `cloud` (or OS_CLOUD) names a cloud of clouds.yaml
 * (with secure.yaml), found as the OpenStack CLI finds it (the same code, @haaas/os-config): its
 * settings come last, after the block's and the OS_* variables.
 */
import { keystoneTokenProvider, UnauthenticatedError, type KeystoneAuthOptions, type KeystoneTokenProvider } from '@haaas/sdk';
import { CloudConfigError, resolveOsSettings, type OsSettings } from '@haaas/os-config';
import { Api } from './api/client';
import { type Diagnostic, error } from './framework/diagnostics';
import type { AttributeSpec, SchemaSpec } from './framework/schema';
import type { TfObject } from './protocol/values';

const str = (description: string, sensitive = false): AttributeSpec => ({ type: 'string', optional: true, description, ...(sensitive ? { sensitive: true } : {}) });

/** Keystone attribute → its name in clouds.yaml (openstacksdk's), and OS_<NAME> in the environment. */
const OS_NAME = {
  auth_url: 'auth_url',
  user_name: 'username',
  user_id: 'user_id',
  password: 'password',
  user_domain_name: 'user_domain_name',
  user_domain_id: 'user_domain_id',
  project_name: 'project_name',
  project_id: 'project_id',
  project_domain_name: 'project_domain_name',
  project_domain_id: 'project_domain_id',
  application_credential_id: 'application_credential_id',
  application_credential_secret: 'application_credential_secret',
  keystone_token: 'token',
  region: 'region_name',
  endpoint_type: 'interface',
} as const satisfies Record<string, keyof OsSettings>;
type KeystoneKey = keyof typeof OS_NAME;

export const providerSchema: SchemaSpec = {
  version: 0,
  description:
    'The HAaaS provider: clusters, nodes, fencing, failover domains, resources and services of HAaaS (High Availability as a Service). ' +
    'Authenticates with a HAaaS token (`token`, `HAAAS_TOKEN`) or with OpenStack Keystone (`auth_url` and a password, an application credential or a Keystone token; the `OS_*` variables).',
  attributes: {
    endpoint: str('The API: its origin (`https://haaas.example.com`) or GraphQL endpoint. Default: `HAAAS_URL`, else (with Keystone) the `ha` service of the Keystone catalog.'),
    token: str('A bearer token of the API. Default: `HAAAS_TOKEN`.', true),
    auth_url: str('Keystone (Identity v3) URL, e.g. `https://keystone.example.com:5000/v3`. Default: `OS_AUTH_URL`.'),
    user_name: str('Keystone user name (password authentication). Default: `OS_USERNAME`.'),
    user_id: str('Keystone user id, instead of `user_name`. Default: `OS_USER_ID`.'),
    password: str('Keystone password. Default: `OS_PASSWORD`.', true),
    user_domain_name: str('Domain of the user (default `Default`). Default: `OS_USER_DOMAIN_NAME`.'),
    user_domain_id: str('Domain id of the user. Default: `OS_USER_DOMAIN_ID`.'),
    project_name: str('Project to scope the token to: the HAaaS tenant. Default: `OS_PROJECT_NAME`.'),
    project_id: str('Project id, instead of `project_name`. Default: `OS_PROJECT_ID`.'),
    project_domain_name: str('Domain of the project (default `Default`). Default: `OS_PROJECT_DOMAIN_NAME`.'),
    project_domain_id: str('Domain id of the project. Default: `OS_PROJECT_DOMAIN_ID`.'),
    application_credential_id: str('Keystone application credential id (scoped to its project already). Default: `OS_APPLICATION_CREDENTIAL_ID`.'),
    application_credential_secret: str('Secret of the application credential. Default: `OS_APPLICATION_CREDENTIAL_SECRET`.', true),
    keystone_token: str('An existing Keystone token, exchanged for a project-scoped one. Default: `OS_TOKEN`.', true),
    region: str('Region of the `ha` endpoint in the catalog. Default: `OS_REGION_NAME`.'),
    endpoint_type: str('Interface of the `ha` endpoint in the catalog: `public` (default), `internal` or `admin`. Default: `OS_INTERFACE`.'),
    cloud: str(
      'A cloud of clouds.yaml (merged with secure.yaml) whose settings fill in what the block and the `OS_*` variables leave unset, found as the OpenStack CLI finds it: `OS_CLIENT_CONFIG_FILE`, else `./clouds.yaml`, `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`. Default: `OS_CLOUD`.',
    ),
  },
};

/** Where Terraform underlines refused credentials. */
const SECRET_OF: Record<KeystoneAuthOptions['type'], string> = { password: 'password', v3applicationcredential: 'application_credential_secret', v3token: 'keystone_token' };

export type Auth =
  | { readonly kind: 'token'; readonly endpoint: string; readonly token: string }
  | { readonly kind: 'keystone'; readonly endpoint: string | undefined; readonly keystone: KeystoneTokenProvider; readonly region?: string; readonly endpointType: string; readonly secretAttribute: string };

const given = (config: TfObject, key: string): string | undefined => {
  const v = config[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** What the provider block and the environment say; diagnostics when it is not enough. */
export function resolveAuth(config: TfObject, env: NodeJS.ProcessEnv): { auth?: Auth; diagnostics: Diagnostic[] } {
  const fromEnv = (name: string): string | undefined => (env[name] !== '' ? env[name] : undefined);
  const endpoint = given(config, 'endpoint') ?? fromEnv('HAAAS_URL');
  const tokenInConfig = given(config, 'token');
  const cloud = given(config, 'cloud');
  const keystoneInConfig = given(config, 'auth_url') !== undefined || cloud !== undefined;
  const token = tokenInConfig ?? (keystoneInConfig ? undefined : fromEnv('HAAAS_TOKEN'));
  if (tokenInConfig && keystoneInConfig) {
    return { diagnostics: [error('Conflicting authentication', 'Set either `token` or the Keystone settings (`auth_url`, ...), not both.', 'token')] };
  }
  if (token) {
    if (!endpoint) return { diagnostics: [error('No HAaaS endpoint', 'Set `endpoint` in the provider block or the HAAAS_URL environment variable.', 'endpoint')] };
    return { auth: { kind: 'token', endpoint, token }, diagnostics: [] };
  }
  // Keystone: each setting from the block, else its OS_* variable (as the OpenStack provider does),
  // else the cloud's of clouds.yaml
  let settings: OsSettings;
  try {
    const block: Partial<Record<keyof OsSettings, string>> = {};
    for (const [key, name] of Object.entries(OS_NAME) as [KeystoneKey, keyof OsSettings][]) {
      const v = given(config, key);
      if (v !== undefined) block[name] = v;
    }
    settings = resolveOsSettings({ cloud, values: block }, env);
  } catch (err) {
    if (err instanceof CloudConfigError) return { diagnostics: [error('Cannot read the cloud', err.message, 'cloud')] };
    throw err;
  }
  const ks = (key: KeystoneKey): string | undefined => settings[OS_NAME[key]];
  const authUrl = ks('auth_url');
  if (!authUrl) {
    return { diagnostics: [error('No HAaaS credentials', 'Set `token` (or HAAAS_TOKEN), or the Keystone settings: `auth_url` with `user_name`/`password`, an application credential or `keystone_token` (or OS_AUTH_URL and the other OS_* variables), or a `cloud` of clouds.yaml (OS_CLOUD).', 'token')] };
  }
  const options = keystoneOptions(authUrl, ks);
  if ('diagnostic' in options) return { diagnostics: [options.diagnostic] };
  const region = ks('region');
  return {
    auth: { kind: 'keystone', endpoint, keystone: keystoneTokenProvider(options), secretAttribute: SECRET_OF[options.type], endpointType: ks('endpoint_type') ?? 'public', ...(region ? { region } : {}) },
    diagnostics: [],
  };
}

function keystoneOptions(authUrl: string, ks: (key: KeystoneKey) => string | undefined): KeystoneAuthOptions | { diagnostic: Diagnostic } {
  const scope = {
    ...(ks('project_id') ? { projectId: ks('project_id') } : {}),
    ...(ks('project_name') ? { projectName: ks('project_name') } : {}),
    ...(ks('project_domain_name') ? { projectDomainName: ks('project_domain_name') } : {}),
    ...(ks('project_domain_id') ? { projectDomainId: ks('project_domain_id') } : {}),
  };
  const appId = ks('application_credential_id');
  if (appId) {
    const secret = ks('application_credential_secret');
    if (!secret) return { diagnostic: error('Missing application credential secret', 'An application credential needs `application_credential_secret` (or OS_APPLICATION_CREDENTIAL_SECRET).', 'application_credential_secret') };
    return { authUrl, type: 'v3applicationcredential', applicationCredentialId: appId, applicationCredentialSecret: secret };
  }
  const keystoneToken = ks('keystone_token');
  if (keystoneToken) return { authUrl, ...scope, type: 'v3token', token: keystoneToken };
  const username = ks('user_name');
  const userId = ks('user_id');
  const password = ks('password');
  if (!username && !userId) return { diagnostic: error('Missing Keystone user', 'Password authentication needs `user_name` or `user_id` (or OS_USERNAME / OS_USER_ID); or give an application credential or `keystone_token`.', 'user_name') };
  if (!password) return { diagnostic: error('Missing Keystone password', 'Password authentication needs `password` (or OS_PASSWORD).', 'password') };
  const userDomainName = ks('user_domain_name');
  const userDomainId = ks('user_domain_id');
  return {
    authUrl,
    ...scope,
    type: 'password',
    password,
    ...(username ? { username } : {}),
    ...(userId ? { userId } : {}),
    ...(userDomainName ? { userDomainName } : {}),
    ...(userDomainId ? { userDomainId } : {}),
  };
}

/**
 * The API client the block asks for. With Keystone it logs in now, so that refused credentials or
 * an unreachable Keystone are one diagnostic at configuration, and finds the endpoint in the
 * catalog when none is given; the token is renewed before it expires (long applies).
 */
export async function connect(config: TfObject, env: NodeJS.ProcessEnv, onRequest?: () => void): Promise<{ api?: Api; diagnostics: Diagnostic[] }> {
  const { auth, diagnostics } = resolveAuth(config, env);
  if (!auth) return { diagnostics };
  if (auth.kind === 'token') return { api: new Api({ url: auth.endpoint, token: auth.token, onRequest }), diagnostics };
  try {
    await auth.keystone.session();
  } catch (err) {
    const refused = err instanceof UnauthenticatedError;
    return { diagnostics: [error(refused ? 'Keystone refused the credentials' : 'Cannot log in to Keystone', err instanceof Error ? err.message : String(err), refused ? auth.secretAttribute : 'auth_url')] };
  }
  const url = auth.endpoint ?? (await auth.keystone.endpoint('ha', { interface: auth.endpointType, ...(auth.region ? { region: auth.region } : {}) }));
  if (!url) return { diagnostics: [error('No HAaaS endpoint', 'The Keystone catalog has no `ha` service: set `endpoint` in the provider block or HAAAS_URL.', 'endpoint')] };
  return { api: new Api({ url, token: auth.keystone.token, tokenKind: 'keystone', onRequest }), diagnostics };
}
