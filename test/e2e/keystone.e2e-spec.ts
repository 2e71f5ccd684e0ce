import { KEYSTONE_AUTHENTICATOR } from '@haaas/auth';
import { startKeystone, type KeystonePeer } from '@haaas/testing';
import { startTestApi, type TestApi } from './support/api';

// One real Keystone (~13 s to start) and one API for the whole file.
const CACHE_SECONDS = 2;
let keystone: KeystonePeer;
let api: TestApi;

type Viewer = { viewer: { tenantId: string; subject: string; roles: string[] } };
const VIEWER = '{ viewer { tenantId subject roles } }';
const CREATE = 'mutation { createCluster(input: { name: "ks", hypervisor: KVM }) { id } }';
const CLUSTERS = '{ clusters { edges { node { id } } } }';

async function gql<T = Record<string, unknown>>(token: string, query: string): Promise<{ data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

beforeAll(async () => {
  keystone = await startKeystone();
  process.stderr.write(`[keystone] started with its fixture in ${keystone.startMs} ms\n`);
  const s = keystone.fixture.service;
  api = await startTestApi({
    HAAAS_KEYSTONE_URL: keystone.authUrl,
    HAAAS_KEYSTONE_USERNAME: s.name,
    HAAAS_KEYSTONE_PASSWORD: s.password,
    HAAAS_KEYSTONE_ADMIN_ROLES: 'haaas_admin',
    HAAAS_KEYSTONE_CACHE_SECONDS: String(CACHE_SECONDS),
    HAAAS_KEYSTONE_TIMEOUT_MS: '2000',
  });
}, 900_000);

afterAll(async () => {
  await api?.close();
  await keystone?.stop();
});

describe('Keystone tokens (X-Auth-Token) in the API', () => {
  it('maps the project to the tenant and the roles: member, reader, configured admin', async () => {
    const { projectA, alice, rita, ada } = keystone.fixture;
    const member = await gql<Viewer>((await keystone.issueToken(alice, projectA.id)).token, VIEWER);
    expect(member.data?.viewer).toMatchObject({ tenantId: projectA.id, subject: `keystone:${alice.id}` });
    // Keystone's member implies reader: both map
    expect(member.data?.viewer.roles).toEqual(expect.arrayContaining(['member', 'reader']));
    expect(member.data?.viewer.roles).not.toContain('admin');
    const reader = await gql<Viewer>((await keystone.issueToken(rita, projectA.id)).token, VIEWER);
    expect(reader.data?.viewer.roles).toEqual(['reader']);
    const admin = await gql<Viewer>((await keystone.issueToken(ada, projectA.id)).token, VIEWER);
    expect(admin.data?.viewer.roles).toContain('admin');
  });

  it('a reader cannot change anything; project B sees nothing of project A', async () => {
    const { projectA, projectB, alice, rita, bob } = keystone.fixture;
    const created = await gql<{ createCluster: { id: string } }>((await keystone.issueToken(alice, projectA.id)).token, CREATE);
    expect(created.errors).toBeUndefined();
    const refused = await gql((await keystone.issueToken(rita, projectA.id)).token, CREATE);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const seenByA = await gql<{ clusters: { edges: unknown[] } }>((await keystone.issueToken(rita, projectA.id)).token, CLUSTERS);
    expect(seenByA.data?.clusters.edges).toHaveLength(1);
    const seenByB = await gql<{ clusters: { edges: unknown[] } }>((await keystone.issueToken(bob, projectB.id)).token, CLUSTERS);
    expect(seenByB.data?.clusters.edges).toHaveLength(0);
  });

  it('caches validations within the bound, and refuses a revoked token once the bound has passed', async () => {
    const auth = api.app.get<{ validations: number }>(KEYSTONE_AUTHENTICATOR);
    const { projectA, alice } = keystone.fixture;
    const { token } = await keystone.issueToken(alice, projectA.id);
    const before = auth.validations;
    for (let i = 0; i < 10; i++) expect((await gql<Viewer>(token, VIEWER)).data?.viewer.tenantId).toBe(projectA.id);
    expect(auth.validations - before).toBe(1);
    await keystone.revoke(token);
    await new Promise((r) => setTimeout(r, CACHE_SECONDS * 1000 + 200));
    const after = await gql(token, VIEWER);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token Keystone does not know with UNAUTHENTICATED', async () => {
    const res = await gql('gAAAAAnot-a-token', VIEWER);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('POST /v1/auth/keystone: a Keystone token in, a short-lived HAaaS JWT of the same tenant and roles out', async () => {
    const { projectA, rita } = keystone.fixture;
    const { token } = await keystone.issueToken(rita, projectA.id);
    const res = await fetch(`${api.url}/v1/auth/keystone`, { method: 'POST', headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; issued_token_type: string };
    expect(body).toMatchObject({ token_type: 'Bearer', issued_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
    expect(body.expires_in).toBeGreaterThan(800);
    expect(body.expires_in).toBeLessThanOrEqual(900);
    const viewer = await api.ok<Viewer>(body.access_token, VIEWER);
    expect(viewer.viewer).toEqual({ tenantId: projectA.id, subject: `keystone:${rita.id}`, roles: ['reader'] });
    // still a reader with the JWT
    expect((await api.gql(body.access_token, CREATE)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refused = await fetch(`${api.url}/v1/auth/keystone`, { method: 'POST', headers: { 'x-auth-token': 'gAAAAAnot-a-token' } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await fetch(`${api.url}/v1/auth/keystone`, { method: 'POST' })).status).toBe(401);
  });

  it('Keystone down: a clear UNAUTHENTICATED with the reason, readiness names it, JWT users keep working', async () => {
    const { projectB, bob } = keystone.fixture;
    const { token } = await keystone.issueToken(bob, projectB.id);
    await keystone.stop({ keepDir: true });
    try {
      const res = await gql(token, VIEWER);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0]?.message).toMatch(/Keystone unavailable: cannot connect/);
      const ready = await fetch(`${api.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'degraded', checks: { mysql: 'up', redis: 'up', keystone: 'down' } });
      const jwt = await api.token('jwt-tenant', ['member']);
      expect((await api.ok<Viewer>(jwt, VIEWER)).viewer.tenantId).toBe('jwt-tenant');
    } finally {
      await keystone.restart();
    }
    const ready = (await (await fetch(`${api.url}/health/ready`)).json()) as { checks: { keystone: string } };
    expect(ready.checks.keystone).toBe('up');
  });
});
