import { DEFAULT_TENANT_QUOTA, Hypervisor, TenantScope } from '@haaas/domain';
import { alice, aliceReader, bob, createCluster, createNode, failure, Harness, platformAdmin, startHarness } from '../testing/management.harness';

describe('TenantService and TenantDirectoryService on MariaDB', () => {
  let h: Harness;
  const tenantRows = () => h.sql<{ id: string; display_name: string | null; max_clusters: number | null; max_nodes: number | null }>('SELECT id, display_name, max_clusters, max_nodes FROM tenants ORDER BY id');

  beforeAll(async () => {
    h = await startHarness();
    await h.directory.ensureTenant('alice');
    await h.directory.ensureTenant('bob');
  });

  afterAll(() => h?.close());

  it('creates tenants on first use, idempotently and concurrently', async () => {
    await Promise.all([h.directory.ensureTenant('carol'), h.directory.ensureTenant('carol'), h.directory.ensureTenant('carol')]);
    await h.directory.ensureTenant('carol');
    expect((await tenantRows()).filter((r) => r.id === 'carol')).toHaveLength(1);
  });

  it('refuses every admin operation to non-admin scopes, at the service and in the repository', async () => {
    const before = await tenantRows();
    for (const scope of [alice, aliceReader]) {
      expect(await failure(h.tenants.list(scope, { first: 10 }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failure(h.tenants.create(scope, { id: 'mallory' }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failure(h.tenants.setQuota(scope, { id: 'alice', maxClusters: 1_000_000 }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failure(h.tenants.usageOf(scope, ['bob']))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failure(h.tenants.get(scope, 'bob'))).toMatchObject({ code: 'NOT_FOUND' });
      // the repository refuses too, should a caller skip the service
      await expect(Promise.resolve().then(() => h.store.repos.tenants.list(scope, 10))).rejects.toThrow('admin scope required');
    }
    expect(await tenantRows()).toEqual(before);
  });

  it('creates a tenant (CONFLICT if it exists) and validates its id and name, writing nothing on error', async () => {
    const created = await h.tenants.create(platformAdmin, { id: 'acme-prod', displayName: 'ACME production' });
    expect(created).toMatchObject({ id: 'acme-prod', displayName: 'ACME production', maxClusters: null });
    const before = await tenantRows();
    expect(await failure(h.tenants.create(platformAdmin, { id: 'acme-prod' }))).toMatchObject({ code: 'CONFLICT' });
    // tenants made on first use exist too
    expect(await failure(h.tenants.create(platformAdmin, { id: 'carol' }))).toMatchObject({ code: 'CONFLICT' });
    const bad = await failure(h.tenants.create(platformAdmin, { id: 'bad id!', displayName: 'x\u0007' }));
    expect(bad).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(bad.problems?.map((p) => p.field)).toEqual(['id', 'displayName']);
    expect(await failure(h.tenants.create(platformAdmin, { id: 'x'.repeat(65) }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'id' }] });
    expect(await tenantRows()).toEqual(before);
  });

  it('lists tenants by id with keyset pages', async () => {
    const all = (await tenantRows()).map((r) => r.id);
    const first = await h.tenants.list(platformAdmin, { first: 2 });
    expect(first.rows.map((t) => t.id)).toEqual(all.slice(0, 2));
    expect(first.hasNextPage).toBe(true);
    const rest = await h.tenants.list(platformAdmin, { first: 100, after: first.rows[1]?.id });
    expect(rest.rows.map((t) => t.id)).toEqual(all.slice(2));
    expect(rest.hasNextPage).toBe(false);
  });

  it('sets quota limits (null resets, omitted keeps) and enforces them', async () => {
    const set = await h.tenants.setQuota(platformAdmin, { id: 'alice', maxClusters: 1, maxNodes: 7 });
    expect(h.tenants.quotaOf(set)).toEqual({ ...DEFAULT_TENANT_QUOTA, maxClusters: 1, maxNodes: 7 });
    await createCluster(h, alice);
    expect(await failure(createCluster(h, alice))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    const reset = await h.tenants.setQuota(platformAdmin, { id: 'alice', maxClusters: null });
    expect(reset).toMatchObject({ maxClusters: null, maxNodes: 7 });
    expect(h.tenants.quotaOf(reset)).toEqual({ ...DEFAULT_TENANT_QUOTA, maxNodes: 7 });
    await expect(createCluster(h, alice)).resolves.toMatchObject({ tenantId: 'alice' });
    expect(h.tenants.quotaOf(null)).toEqual(DEFAULT_TENANT_QUOTA);
  });

  it('refuses out-of-range limits and unknown tenants, changing nothing', async () => {
    const before = await tenantRows();
    const err = await failure(h.tenants.setQuota(platformAdmin, { id: 'alice', maxClusters: -1, maxNodes: 1_000_001, maxResources: 2.5, maxServices: 0 }));
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(err.problems?.map((p) => p.field)).toEqual(['maxClusters', 'maxNodes', 'maxResources']);
    expect(await failure(h.tenants.setQuota(platformAdmin, { id: 'nobody', maxClusters: 3 }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await tenantRows()).toEqual(before);
  });

  it('reads the own tenant for everyone and any tenant for admins', async () => {
    expect(await h.tenants.get(alice, 'alice')).toMatchObject({ id: 'alice' });
    expect(await h.tenants.get(platformAdmin, 'bob')).toMatchObject({ id: 'bob' });
    expect(await failure(h.tenants.get(platformAdmin, 'nobody'))).toMatchObject({ code: 'NOT_FOUND' });
    // a tenant never provisioned yet (its first request) still has a viewer
    const dave = TenantScope.of('dave', { subject: 'dave-user', roles: ['reader'] });
    expect(await h.tenants.own(dave)).toMatchObject({ id: 'dave', displayName: null });
  });

  it('counts usage per tenant, own for everyone and any for admins', async () => {
    const c = await createCluster(h, bob, Hypervisor.HYPERV);
    await createNode(h, bob, c.id);
    await createNode(h, bob, c.id);
    const [own] = await h.tenants.usageOf(bob, ['bob']);
    expect(own).toEqual({ clusters: 1, nodes: 2, resources: 0, services: 0 });
    const [ofBob, ofAlice, ofNobody] = await h.tenants.usageOf(platformAdmin, ['bob', 'alice', 'nobody']);
    expect(ofBob).toEqual(own);
    expect(ofAlice?.clusters).toBe(2);
    expect(ofNobody).toEqual({ clusters: 0, nodes: 0, resources: 0, services: 0 });
    // one statement whatever the number of tenants (the admin list asks for a page of them)
    const statements = (ids: string[]) => h.statementsOf(() => h.tenants.usageOf(platformAdmin, ids));
    expect(await statements(['bob'])).toBe(1);
    expect(await statements(['bob', 'alice', 'nobody'])).toBe(1);
  });
});
