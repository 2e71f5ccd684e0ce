import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, logTail, ServerStartError, spawnServer, waitUntilReady } from '@haaas/devstack';

const SCRIPT = resolve(__dirname, '..', 'peers', 'keystone-up.sh');
const ADMIN_PW = 's3cret';
/** Everyone's password in the fixture (a test peer). */
export const KEYSTONE_USER_PASSWORD = 'pw-of-a-test-user';
/** The Keystone role the fixture's API maps to HAaaS admin (HAAAS_KEYSTONE_ADMIN_ROLES). */
export const KEYSTONE_HAAAS_ADMIN_ROLE = 'haaas_admin';

export interface KeystoneUser {
  readonly id: string;
  readonly name: string;
  readonly password: string;
}

/** What the fixture creates: a domain, two projects, users per role, the API's service user, an application credential. */
export interface KeystoneFixture {
  readonly domain: { readonly id: string; readonly name: string };
  readonly projectA: { readonly id: string; readonly name: string };
  readonly projectB: { readonly id: string; readonly name: string };
  /** member of A */
  readonly alice: KeystoneUser;
  /** reader of A */
  readonly rita: KeystoneUser;
  /** member of B */
  readonly bob: KeystoneUser;
  /** member and haaas_admin of A */
  readonly ada: KeystoneUser;
  /** The API's own user: role `service` in project `service` (allowed to validate tokens). */
  readonly service: KeystoneUser & { readonly project: string };
  /** alice's application credential (project A, her roles). */
  readonly appCredential: { readonly id: string; readonly secret: string };
}

export interface KeystonePeer {
  /** http://127.0.0.1:PORT/v3 */
  readonly authUrl: string;
  readonly fixture: KeystoneFixture;
  /** How long the start took (install excluded when the packages were there). */
  readonly startMs: number;
  /** A project-scoped token of a fixture user (password auth), with its expiry. */
  issueToken(user: KeystoneUser, projectId: string): Promise<{ token: string; expiresAt: string }>;
  /** Revokes a token (DELETE /v3/auth/tokens). */
  revoke(token: string): Promise<void>;
  /** Adds (or replaces) the `ha` service in the catalog, pointing at the HAaaS API. */
  registerHaEndpoint(url: string): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL after a while); with `keepDir`, its directory stays for a restart. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
  /**
   * Starts it again on the same port and directory (after stop({ keepDir: true })); with
   * `tokenExpirationSeconds`, the tokens it issues from then on live that long (default 3600).
   */
  restart(options?: { tokenExpirationSeconds?: number }): Promise<void>;
}

/**
 * Starts Keystone with test/peers/keystone-up.sh in a temp dir on a free loopback port and creates
 * the fixture over its REST API. ~12 s: share one per test file at most.
 */
export async function startKeystone(): Promise<KeystonePeer> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'haaas-keystone-'));
  const port = await freePort();
  const authUrl = `http://127.0.0.1:${port}/v3`;
  const logFile = join(dir, 'server.log');
  const launch = async (tokenExpirationSeconds = 3600): Promise<Awaited<ReturnType<typeof spawnServer>>> => {
    // a restart appends to the log: read only what this start writes
    const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
    // env execs bash, which execs uwsgi: the pid stays the server's
    const server = await spawnServer('/usr/bin/env', [`KS_TOKEN_EXPIRATION=${tokenExpirationSeconds}`, '/bin/bash', SCRIPT, join(dir, 'data'), String(port)], { cwd: dir, logFile });
    await waitUntilReady({
      what: `Keystone on port ${port}`,
      server,
      ready: () => answers(authUrl),
      timeoutMs: 900_000, // the first run may apt-get install (~1 min, or longer behind others' apt)
      logFile,
      logOffset,
      fatal: /Traceback|address already in use/i,
    }).catch((error: unknown) => {
      if (error instanceof ServerStartError) throw error;
      throw new Error(`Keystone did not start: ${String(error)}\n${logTail(logFile, logOffset)}`);
    });
    return server;
  };
  let server = await launch();
  const api = new KeystoneAdmin(authUrl);
  const fixture = await createFixture(api).catch(async (error: unknown) => {
    await server.stop(5000);
    throw error;
  });
  return {
    authUrl,
    fixture,
    startMs: Date.now() - started,
    issueToken: (user, projectId) => passwordToken(authUrl, user, projectId),
    revoke: async (token) => {
      await api.call('DELETE', '/auth/tokens', undefined, { 'x-subject-token': token }, [204]);
    },
    registerHaEndpoint: (url) => registerHa(api, url),
    async stop(options = {}) {
      await server.stop(10_000);
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
    async restart(options = {}) {
      server = await launch(options.tokenExpirationSeconds);
    },
  };
}

async function answers(authUrl: string): Promise<boolean> {
  try {
    return (await fetch(authUrl, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function passwordToken(authUrl: string, user: KeystoneUser, projectId: string): Promise<{ token: string; expiresAt: string }> {
  const res = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: { identity: { methods: ['password'], password: { user: { id: user.id, password: user.password } } }, scope: { project: { id: projectId } } },
    }),
  });
  if (res.status !== 201) throw new Error(`Keystone token for ${user.name}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: { expires_at: string } };
  return { token: res.headers.get('x-subject-token') ?? '', expiresAt: body.token.expires_at };
}

/** The admin side of Keystone's REST API, with the bootstrap admin's token. */
class KeystoneAdmin {
  private token: string | undefined;
  constructor(readonly authUrl: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, expect = [200, 201]): Promise<T> {
    this.token ??= await this.adminToken();
    const res = await fetch(`${this.authUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': this.token, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!expect.includes(res.status)) throw new Error(`Keystone ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (res.status === 204 ? {} : await res.json()) as T;
  }

  private async adminToken(): Promise<string> {
    const res = await fetch(`${this.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PW } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`Keystone admin token: HTTP ${res.status}`);
    return res.headers.get('x-subject-token') ?? '';
  }
}

async function createFixture(api: KeystoneAdmin): Promise<KeystoneFixture> {
  const id = async (path: string, key: string, body: Record<string, unknown>): Promise<string> =>
    ((await api.call<Record<string, { id: string }>>('POST', path, { [key]: body }))[key] as { id: string }).id;
  const roles = new Map((await api.call<{ roles: { id: string; name: string }[] }>('GET', '/roles')).roles.map((r) => [r.name, r.id]));
  for (const name of ['service', KEYSTONE_HAAAS_ADMIN_ROLE]) if (!roles.has(name)) roles.set(name, await id('/roles', 'role', { name }));
  const role = (name: string): string => roles.get(name) as string;

  const domainName = 'haaas-test';
  const domainId = await id('/domains', 'domain', { name: domainName });
  const projectA = { name: 'project-a', id: await id('/projects', 'project', { name: 'project-a', domain_id: domainId }) };
  const projectB = { name: 'project-b', id: await id('/projects', 'project', { name: 'project-b', domain_id: domainId }) };
  const serviceProject = await id('/projects', 'project', { name: 'service', domain_id: 'default' });

  const user = async (name: string, domain: string, grants: [string, string][]): Promise<KeystoneUser> => {
    const userId = await id('/users', 'user', { name, domain_id: domain, password: KEYSTONE_USER_PASSWORD });
    for (const [project, roleName] of grants) await api.call('PUT', `/projects/${project}/users/${userId}/roles/${role(roleName)}`, undefined, {}, [204]);
    return { id: userId, name, password: KEYSTONE_USER_PASSWORD };
  };
  const alice = await user('alice', domainId, [[projectA.id, 'member']]);
  const rita = await user('rita', domainId, [[projectA.id, 'reader']]);
  const bob = await user('bob', domainId, [[projectB.id, 'member']]);
  const ada = await user('ada', domainId, [
    [projectA.id, 'member'],
    [projectA.id, KEYSTONE_HAAAS_ADMIN_ROLE],
  ]);
  const service = { ...(await user('haaas', 'default', [[serviceProject, 'service']])), project: serviceProject };

  // an application credential is created by its owner, with the owner's own token
  const aliceToken = (await passwordToken(api.authUrl, alice, projectA.id)).token;
  const res = await fetch(`${api.authUrl}/users/${alice.id}/application_credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': aliceToken },
    body: JSON.stringify({ application_credential: { name: 'haaas-cli' } }),
  });
  if (res.status !== 201) throw new Error(`Keystone application credential: HTTP ${res.status} ${await res.text()}`);
  const cred = ((await res.json()) as { application_credential: { id: string; secret: string } }).application_credential;
  return {
    domain: { id: domainId, name: domainName },
    projectA,
    projectB,
    alice,
    rita,
    bob,
    ada,
    service,
    appCredential: { id: cred.id, secret: cred.secret },
  };
}

async function registerHa(api: KeystoneAdmin, url: string): Promise<void> {
  const services = (await api.call<{ services: { id: string; type: string }[] }>('GET', '/services?type=ha')).services;
  for (const s of services) await api.call('DELETE', `/services/${s.id}`, undefined, {}, [204]);
  const service = (await api.call<{ service: { id: string } }>('POST', '/services', { service: { type: 'ha', name: 'haaas' } })).service;
  await api.call('POST', '/endpoints', { endpoint: { service_id: service.id, interface: 'public', region_id: 'RegionOne', url } });
}
