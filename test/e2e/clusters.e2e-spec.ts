import { startTestApi, TestApi } from './support/api';

const CREATE = `mutation($input: CreateClusterInput!) { createCluster(input: $input) { id name hypervisor state policy { heartbeatIntervalSeconds deadtimeSeconds fencingRequired minHealthyNodes } attributes { key value } } }`;

describe('clusters over HTTP', () => {
  let api: TestApi;
  let member: string;

  beforeAll(async () => {
    api = await startTestApi();
    member = await api.token('acme');
  });
  afterAll(() => api?.close());

  it('refuses a request without a token as UNAUTHENTICATED', async () => {
    const res = await api.gql(null, '{ clusters { nodes { id } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data ?? null).toBeNull();
  });

  it('creates, reads, updates, sets attributes and destroys a cluster, logging each change', async () => {
    const { createCluster } = await api.ok<{ createCluster: { id: string; state: string; policy: { deadtimeSeconds: number } } }>(member, CREATE, {
      input: { name: 'prod-east', hypervisor: 'KVM', policy: { deadtimeSeconds: 15 }, attributes: [{ key: 'dc', value: 'east' }] },
    });
    expect(createCluster).toMatchObject({ state: 'STOPPED', policy: { deadtimeSeconds: 15 } });
    const id = createCluster.id;

    const read = await api.ok<{ cluster: { name: string; dc: string | null; status: { quorate: boolean; totalNodes: number } } }>(
      member,
      `query($id: ID!) { cluster(id: $id) { name dc: attribute(key: "dc") status { quorate totalNodes } } }`,
      { id },
    );
    expect(read.cluster).toEqual({ name: 'prod-east', dc: 'east', status: { quorate: false, totalNodes: 0 } });

    const upd = await api.ok<{ updateCluster: { description: string; policy: { minHealthyNodes: number; deadtimeSeconds: number } } }>(
      member,
      `mutation($input: UpdateClusterInput!) { updateCluster(input: $input) { description policy { minHealthyNodes deadtimeSeconds } } }`,
      { input: { id, description: 'east coast', policy: { minHealthyNodes: 3 } } },
    );
    expect(upd.updateCluster).toEqual({ description: 'east coast', policy: { minHealthyNodes: 3, deadtimeSeconds: 15 } });

    const attrs = await api.ok<{ setClusterAttributes: { attributes: { key: string; value: string }[] } }>(
      member,
      `mutation($id: ID!) { setClusterAttributes(id: $id, change: { set: [{ key: "tier", value: "gold" }], unset: ["dc"] }) { attributes { key value } } }`,
      { id },
    );
    expect(attrs.setClusterAttributes.attributes).toEqual([{ key: 'tier', value: 'gold' }]);

    const gone = await api.ok<{ destroyCluster: { id: string } }>(member, `mutation($id: ID!) { destroyCluster(id: $id) { id } }`, { id });
    expect(gone.destroyCluster.id).toBe(id);
    const after = await api.gql(member, `query($id: ID!) { cluster(id: $id) { id } }`, { id });
    expect(after.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('reports every bad field at once as BAD_USER_INPUT and writes nothing', async () => {
    const res = await api.gql(member, CREATE, { input: { name: '-bad name', hypervisor: 'KVM', policy: { heartbeatIntervalSeconds: 0, deadtimeSeconds: 1 } } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (res.errors?.[0]?.extensions?.['problems'] as { field: string }[]).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'policy.heartbeatIntervalSeconds', 'policy.deadtimeSeconds']));
    const list = await api.ok<{ clusters: { nodes: { name: string }[] } }>(member, `{ clusters(filter: { nameContains: "bad" }) { nodes { name } } }`);
    expect(list.clusters.nodes).toEqual([]);
  });

  it('answers CONFLICT for a duplicate name', async () => {
    await api.ok(member, CREATE, { input: { name: 'dup', hypervisor: 'VSPHERE' } });
    const res = await api.gql(member, CREATE, { input: { name: 'dup', hypervisor: 'KVM' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('creates concurrently in one tenant without deadlocks, and the quota holds under the race', async () => {
    const t = await api.token('racer');
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => api.gql(t, CREATE, { input: { name: `r${i}`, hypervisor: 'KVM' } })));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
    // the default quota is 20 clusters: exactly 20 succeed, the rest are refused cleanly
    expect(codes.filter((c) => c === 'OK')).toHaveLength(20);
    expect(codes.filter((c) => c !== 'OK').every((c) => c === 'QUOTA_EXCEEDED')).toBe(true);
  });

  it('lets a reader read but not write', async () => {
    const reader = await api.token('acme', ['reader']);
    const list = await api.gql(reader, '{ clusters { nodes { id } } }');
    expect(list.errors).toBeUndefined();
    const res = await api.gql(reader, CREATE, { input: { name: 'nope', hypervisor: 'KVM' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('paginates with opaque cursors', async () => {
    const t = await api.token('pager');
    for (let i = 0; i < 5; i++) await api.ok(t, CREATE, { input: { name: `c${i}`, hypervisor: 'KVM' } });
    type Page = { clusters: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const q = `query($after: String) { clusters(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`;
    const p1 = await api.ok<Page>(t, q);
    const p2 = await api.ok<Page>(t, q, { after: p1.clusters.pageInfo.endCursor });
    const p3 = await api.ok<Page>(t, q, { after: p2.clusters.pageInfo.endCursor });
    expect([...p1.clusters.nodes, ...p2.clusters.nodes, ...p3.clusters.nodes].map((n) => n.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(p3.clusters.pageInfo.hasNextPage).toBe(false);
    const bad = await api.gql(t, q, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('never shows internal details in errors', async () => {
    const res = await api.gql(member, `{ clusters(first: 100000) { nodes { id } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res)).not.toMatch(/stack|sql|at .*\.ts/i);
  });
});
