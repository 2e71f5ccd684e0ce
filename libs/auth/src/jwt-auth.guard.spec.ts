import { UnsecuredJWT } from 'jose';
import { EXPIRED_TOKEN_MESSAGE, INVALID_TOKEN_MESSAGE } from './auth.constants';
import { signDevToken } from './dev-token.signer';
import {
  callGraphql,
  callHttp,
  codeOf,
  DEFAULT_CLAIMS,
  hsConfig,
  mint,
  startProbeApp,
  TEST_ISSUER,
  type ProbeApp,
} from './testing/auth-test.harness';

let probe: ProbeApp;
beforeAll(async () => {
  probe = await startProbeApp(hsConfig());
});
afterAll(() => probe.close());

const as = (roles: string[], tenant = 'acme'): Promise<string> => mint({ sub: 'alice', tenant, roles });

describe('authentication (HTTP and GraphQL, default deny)', () => {
  it('accepts a valid token and builds the scope from its claims, dropping unknown roles', async () => {
    const token = await mint({ sub: 'alice', tenant: 'acme', roles: ['member', 'superuser'] });
    expect(await callHttp(probe.url, '/probe/me', { token })).toEqual({ status: 200, body: { tenant: 'acme', subject: 'alice', roles: ['member'] } });
    const reply = await callGraphql(probe.url, '{ whoami { tenant subject roles } }', { token });
    expect(reply).toEqual({ data: { whoami: { tenant: 'acme', subject: 'alice', roles: ['member'] } } });
  });

  it('accepts a token made by signDevToken for the same config', async () => {
    const token = await signDevToken({ tenant: 'demo', subject: 'bob', roles: ['reader'], expiresIn: '5m' }, { nodeEnv: 'test', jwt: hsConfig() });
    expect((await callHttp(probe.url, '/probe/me', { token })).body).toEqual({ tenant: 'demo', subject: 'bob', roles: ['reader'] });
  });

  it('refuses a request without a token, unless the handler is @Public()', async () => {
    expect(await callHttp(probe.url, '/probe/me')).toEqual({ status: 401, body: { code: 'UNAUTHENTICATED', message: INVALID_TOKEN_MESSAGE } });
    expect(await callHttp(probe.url, '/probe/public')).toEqual({ status: 200, body: { ok: true } });
    const reply = await callGraphql(probe.url, '{ whoami { tenant } }');
    expect(codeOf(reply)).toBe('UNAUTHENTICATED');
    expect(reply.errors?.[0]?.message).toBe(INVALID_TOKEN_MESSAGE);
    expect(await callGraphql(probe.url, '{ ping }')).toEqual({ data: { ping: 'pong' } });
    expect(codeOf(await callHttp(probe.url, '/probe/me', { headers: { authorization: 'Basic YTpi' } }))).toBe('UNAUTHENTICATED');
  });

  it('says "expired" for an expired token, and nothing more', async () => {
    const token = await mint(DEFAULT_CLAIMS, { expiresIn: -60 });
    expect(await callHttp(probe.url, '/probe/me', { token })).toEqual({ status: 401, body: { code: 'UNAUTHENTICATED', message: EXPIRED_TOKEN_MESSAGE } });
    const reply = await callGraphql(probe.url, '{ whoami { tenant } }', { token });
    expect(reply.errors?.[0]).toMatchObject({ message: EXPIRED_TOKEN_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('tolerates a little clock skew', async () => {
    const token = await mint(DEFAULT_CLAIMS, { expiresIn: -2 });
    expect((await callHttp(probe.url, '/probe/me', { token })).status).toBe(200);
  });

  const refused: [string, () => Promise<string>][] = [
    ['unsigned (alg: none)', async () => new UnsecuredJWT(DEFAULT_CLAIMS).setIssuer(TEST_ISSUER).setAudience('haaas').setIssuedAt().setExpirationTime('5m').encode()],
    ['signed with another secret', () => mint(DEFAULT_CLAIMS, { key: new TextEncoder().encode('another-secret-of-at-least-32-bytes!!') })],
    ['signed with an algorithm not configured (HS512)', () => mint(DEFAULT_CLAIMS, { alg: 'HS512' })],
    ['for another audience', () => mint(DEFAULT_CLAIMS, { audience: 'someone-else' })],
    ['from another issuer', () => mint(DEFAULT_CLAIMS, { issuer: 'https://evil.example' })],
    ['without a tenant', () => mint({ sub: 'alice', roles: ['member'] })],
    ['with a malformed tenant', () => mint({ sub: 'alice', tenant: 'acme/other', roles: ['member'] })],
    ['without roles', () => mint({ sub: 'alice', tenant: 'acme' })],
    ['with only unknown roles', () => mint({ sub: 'alice', tenant: 'acme', roles: ['root'] })],
    ['with roles as a string', () => mint({ sub: 'alice', tenant: 'acme', roles: 'admin' })],
    ['without a subject', () => mint({ tenant: 'acme', roles: ['member'] })],
    ['without an expiry', () => mint(DEFAULT_CLAIMS, { expiresIn: null })],
    ['garbage', async () => 'not.a.jwt'],
  ];
  it.each(refused)('refuses a token %s as UNAUTHENTICATED, revealing nothing', async (_what, make) => {
    const token = await make();
    expect(await callHttp(probe.url, '/probe/me', { token })).toEqual({ status: 401, body: { code: 'UNAUTHENTICATED', message: INVALID_TOKEN_MESSAGE } });
    const reply = await callGraphql(probe.url, '{ whoami { tenant } }', { token });
    expect(reply.errors?.[0]).toMatchObject({ message: INVALID_TOKEN_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('authorisation', () => {
  it('lets a reader query but not mutate (GraphQL), with no marking on the mutation', async () => {
    const token = await as(['reader']);
    expect(await callGraphql(probe.url, '{ tenant }', { token })).toEqual({ data: { tenant: 'acme' } });
    const reply = await callGraphql(probe.url, 'mutation { touch { tenant } }', { token });
    expect(codeOf(reply)).toBe('FORBIDDEN');
    expect(reply.data ?? null).toBeNull();
  });

  it('lets a member or an admin mutate', async () => {
    for (const roles of [['member'], ['admin'], ['reader', 'member']]) {
      expect(await callGraphql(probe.url, 'mutation { touch { tenant } }', { token: await as(roles) })).toEqual({ data: { touch: { tenant: 'acme' } } });
    }
  });

  it('lets a reader GET but not POST (HTTP)', async () => {
    const token = await as(['reader']);
    expect((await callHttp(probe.url, '/probe/me', { token })).status).toBe(200);
    expect(await callHttp(probe.url, '/probe/write', { method: 'POST', token })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect((await callHttp(probe.url, '/probe/write', { method: 'POST', token: await as(['member']) })).status).toBe(200);
  });

  it('keeps @AdminOnly() operations for admins', async () => {
    expect(codeOf(await callGraphql(probe.url, 'mutation { platformOperation }', { token: await as(['member']) }))).toBe('FORBIDDEN');
    expect(await callGraphql(probe.url, 'mutation { platformOperation }', { token: await as(['admin']) })).toEqual({ data: { platformOperation: 'acme' } });
    expect((await callHttp(probe.url, '/probe/admin', { token: await as(['member']) })).status).toBe(403);
    expect((await callHttp(probe.url, '/probe/admin', { token: await as(['admin']) })).status).toBe(200);
  });

  it('refuses a token whose subject is a system actor, even an admin one: nobody acts as the engine through the API', async () => {
    const robot = await mint({ sub: 'system:recovery', tenant: 'acme', roles: ['admin'] });
    expect(codeOf(await callGraphql(probe.url, 'mutation { platformOperation }', { token: robot }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await callGraphql(probe.url, 'mutation { touch { subject } }', { token: robot }))).toBe('UNAUTHENTICATED');
  });
});

describe('X-HAaaS-Tenant', () => {
  it('lets an admin act in another tenant, which is provisioned', async () => {
    const token = await as(['admin']);
    const reply = await callHttp(probe.url, '/probe/me', { token, headers: { 'X-HAaaS-Tenant': 'globex' } });
    expect(reply.body).toEqual({ tenant: 'globex', subject: 'alice', roles: ['admin'] });
    expect(probe.directory.tenants.has('globex')).toBe(true);
    expect(await callGraphql(probe.url, '{ tenant }', { token, headers: { 'x-haaas-tenant': 'globex' } })).toEqual({ data: { tenant: 'globex' } });
  });

  it('refuses anyone else naming another tenant, but accepts their own', async () => {
    for (const roles of [['member'], ['reader']]) {
      const token = await as(roles);
      expect(await callHttp(probe.url, '/probe/me', { token, headers: { 'X-HAaaS-Tenant': 'globex' } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect(codeOf(await callGraphql(probe.url, '{ tenant }', { token, headers: { 'X-HAaaS-Tenant': 'globex' } }))).toBe('FORBIDDEN');
      expect((await callHttp(probe.url, '/probe/me', { token, headers: { 'X-HAaaS-Tenant': 'acme' } })).body).toMatchObject({ tenant: 'acme' });
    }
  });

  it('refuses a malformed tenant id from an admin', async () => {
    const reply = await callHttp(probe.url, '/probe/me', { token: await as(['admin']), headers: { 'X-HAaaS-Tenant': 'no such/tenant' } });
    expect(reply).toMatchObject({ status: 400, body: { code: 'BAD_USER_INPUT' } });
  });
});

describe('tenant provisioning', () => {
  it('creates the tenant on first use and then remembers it', async () => {
    const app = await startProbeApp(hsConfig());
    try {
      const token = await as(['member'], 'initech');
      for (let i = 0; i < 3; i++) expect((await callHttp(app.url, '/probe/me', { token })).status).toBe(200);
      // two root fields resolved in parallel: one verification, one directory call
      expect(await callGraphql(app.url, '{ tenant whoami { tenant } }', { token: await as(['member'], 'umbrella') })).toEqual({
        data: { tenant: 'umbrella', whoami: { tenant: 'umbrella' } },
      });
      expect([...app.directory.tenants].sort()).toEqual(['initech', 'umbrella']);
      expect(app.directory.calls).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('does not provision anything for a refused token', async () => {
    const app = await startProbeApp(hsConfig());
    try {
      await callHttp(app.url, '/probe/me', { token: await mint({ sub: 'x', tenant: 'ghost', roles: [] }) });
      expect(app.directory.calls).toBe(0);
    } finally {
      await app.close();
    }
  });
});
