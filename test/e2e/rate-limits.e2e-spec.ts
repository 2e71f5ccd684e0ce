import { ForbiddenError, HaaasClient, RateLimitError } from '@haaas/sdk';
import { RateLimiter } from '@haaas/auth';
import { testRedisUrl } from '@haaas/testing';
import { startTestApi, TestApi } from './support/api';

/**
 * Rate limits against the real API and Redis (database 28): token buckets per tenant and per
 * subject shared by two API replicas, 429 with Retry-After and RATE_LIMITED/retryAfter as the SDK
 * reads them, node agents limited per node, a tenant's own limits set by an admin.
 */
describe('rate limits', () => {
  let a: TestApi;
  let b: TestApi;
  const env = {
    HAAAS_REDIS_URL: testRedisUrl(28),
    HAAAS_RATE_TENANT_BURST: '6',
    HAAAS_RATE_TENANT_PER_SECOND: '1',
    HAAAS_RATE_SUBJECT_BURST: '4',
    HAAAS_RATE_SUBJECT_PER_SECOND: '1',
    HAAAS_RATE_NODE_BURST: '2',
    HAAAS_RATE_NODE_PER_SECOND: '1',
  };

  beforeAll(async () => {
    // two replicas of the API on one Redis: the buckets are shared
    [a, b] = await Promise.all([startTestApi(env), startTestApi(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  async function post(api: TestApi, token: string, query = '{ clusters { nodes { id } } }'): Promise<{ status: number; retryAfter: string | null; body: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } }> {
    const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
  }

  it("limits a subject across replicas with 429, Retry-After and RATE_LIMITED, leaving other tenants' requests alone", async () => {
    const t = `rl-${Date.now()}`;
    const alice = await a.token(t, ['member'], 'alice');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(i % 2 ? b : a, alice)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await post(b, alice);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: Number(refused.retryAfter) });
    // another tenant is served meanwhile
    expect((await post(a, await a.token(`${t}-other`, ['member'], 'alice'))).status).toBe(200);
  });

  it('limits a tenant as a whole: its other subjects share its bucket', async () => {
    const t = `rt-${Date.now()}`;
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await post(a, await a.token(t, ['member'], `user-${i}`))).status);
    expect(codes.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(codes[6]).toBe(429);
  });

  it('is what the SDK reads as RateLimitError with retryAfterMs', async () => {
    const t = `rs-${Date.now()}`;
    const token = await a.token(t, ['member'], 'sdk');
    const client = new HaaasClient({ url: `${a.url}/graphql`, token, retry: false });
    for (let i = 0; i < 4; i++) await client.clusters.list().toArray();
    const error = await client.clusters
      .list()
      .toArray()
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it("applies a tenant's own limits, set by an admin, on every replica", async () => {
    const t = `ro-${Date.now()}`;
    await a.app.get(RateLimiter).setTenantLimits(t, { subject: { burst: 1, perSecond: 1 } });
    const token = await b.token(t, ['member'], 'solo');
    expect((await post(b, token)).status).toBe(200);
    expect((await post(b, token)).status).toBe(429);
    expect(await b.app.get(RateLimiter).limitsOf(t)).toMatchObject({ subject: { burst: 1, perSecond: 1 }, tenant: { burst: 6, perSecond: 1 } });
  });

  it("lets a platform admin read and set a tenant's limits through GraphQL (SDK), and no one of the tenant itself", async () => {
    const t = `ra-${Date.now()}`;
    const ops = `ops-${Date.now()}`;
    // the admin's own tenant opened wide: this test counts the limits of tenant t only
    await a.app.get(RateLimiter).setTenantLimits(ops, { tenant: { burst: 100, perSecond: 100 }, subject: { burst: 100, perSecond: 100 } });
    const sdk = async (api: TestApi, tenant: string, role: 'admin' | 'member' | 'reader', subject: string): Promise<HaaasClient> =>
      new HaaasClient({ url: `${api.url}/graphql`, token: await api.token(tenant, [role], subject), retry: false });
    const member = await sdk(a, t, 'member', 'alice');
    const reader = await sdk(b, t, 'reader', 'rita');
    // a tenant's own member and reader may not read its limits, let alone lift them
    await expect(member.tenants.rateLimits(t)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(member.tenants.setRateLimits({ id: t, subject: { burst: 1000, perSecond: 1000 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reader.tenants.rateLimits(t)).rejects.toBeInstanceOf(ForbiddenError);

    const adminA = await sdk(a, ops, 'admin', 'root');
    const adminB = await sdk(b, ops, 'admin', 'root');
    expect(await adminA.tenants.rateLimits(t)).toEqual({
      tenantId: t,
      tenant: { burst: 6, perSecond: 1 },
      subject: { burst: 4, perSecond: 1 },
      node: { burst: 2, perSecond: 1 },
      overrides: { tenant: null, subject: null },
    });
    await expect(adminA.tenants.setRateLimits({ id: t, subject: { burst: 0, perSecond: -1 } })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(adminA.tenants.rateLimits('no-such-tenant')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const set = await adminA.tenants.setRateLimits({ id: t, subject: { burst: 1, perSecond: 1 } });
    expect(set).toMatchObject({ subject: { burst: 1, perSecond: 1 }, tenant: { burst: 6, perSecond: 1 }, overrides: { subject: { burst: 1, perSecond: 1 }, tenant: null } });
    // the other replica reads it; the replica that set it applies it at once (the others within the
    // 5 s they reuse a tenant's limits, shown by the test above): bob's second request is refused
    expect((await adminB.tenants.rateLimits(t)).overrides.subject).toEqual({ burst: 1, perSecond: 1 });
    const bob = await a.token(t, ['member'], 'bob');
    expect([(await post(a, bob)).status, (await post(a, bob)).status]).toEqual([200, 429]);
    // null resets a bucket to the default, an omitted one is kept
    await adminA.tenants.setRateLimits({ id: t, tenant: { burst: 50, perSecond: 5 } });
    expect((await adminB.tenants.rateLimits(t)).overrides).toEqual({ tenant: { burst: 50, perSecond: 5 }, subject: { burst: 1, perSecond: 1 } });
    const reset = await adminB.tenants.setRateLimits({ id: t, tenant: null, subject: null });
    expect(reset).toMatchObject({ tenant: { burst: 6, perSecond: 1 }, subject: { burst: 4, perSecond: 1 }, overrides: { tenant: null, subject: null } });
  });

  it("limits a node agent's calls per node", async () => {
    const t = `rn-${Date.now()}`;
    // its set-up takes more requests than the small test limits allow: a tenant of its own limits
    await a.app.get(RateLimiter).setTenantLimits(t, { tenant: { burst: 100, perSecond: 100 }, subject: { burst: 100, perSecond: 100 } });
    const admin = await a.token(t, ['admin']);
    const { createCluster } = await a.ok<{ createCluster: { id: string } }>(admin, 'mutation { createCluster(input: { name: "rl", hypervisor: KVM }) { id } }');
    const join = async (host: string): Promise<string> =>
      (
        await a.ok<{ joinNode: { id: string } }>(
          admin,
          `mutation($c: ID!, $h: String!) { joinNode(input: { clusterId: $c, hostname: $h, kind: PHYSICAL, endpoint: { uri: "qemu+ssh://x/system" }, capacity: { cpus: 1, memoryMb: 1024 } }) { id } }`,
          { c: createCluster.id, h: host },
        )
      ).joinNode.id;
    const tokenOf = async (nodeId: string): Promise<string> =>
      (await a.ok<{ issueNodeAgentToken: { token: string } }>(admin, 'mutation($n: ID!) { issueNodeAgentToken(nodeId: $n) { token } }', { n: nodeId })).issueNodeAgentToken.token;
    const [n1, n2] = [await join('rl1.example.com'), await join('rl2.example.com')];
    const [k1, k2] = [await tokenOf(n1), await tokenOf(n2)];
    const beat = (token: string): Promise<Response> => fetch(`${a.url}/v1/agent/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'x' });
    // the first two calls pass the limiter (and are refused for their body), the third is limited
    expect((await beat(k1)).status).toBe(415);
    expect((await beat(k1)).status).toBe(415);
    const limited = await beat(k1);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // another node of the same tenant is not held up
    expect((await beat(k2)).status).toBe(415);
  });
});
