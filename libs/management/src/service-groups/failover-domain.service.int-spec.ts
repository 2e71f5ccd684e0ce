import { BadInputError, DEFAULT_TENANT_QUOTA, DomainError, Hypervisor, NodeKind, NodeStatus, TenantScope } from '@haaas/domain';
import { createDataSource, queryCounter, runMigrations, Store } from '@haaas/persistence';
import type { NodeEntity } from '@haaas/persistence';
import { createTestDatabase, TestDatabase } from '@haaas/testing';
import { ClusterService } from '../cluster.service';
import { QuotaService } from '../quota.service';
import { FailoverDomainService } from './failover-domain.service';
import { ServiceGroupService } from './service-group.service';

const alice = TenantScope.of('fd-alice', { subject: 'alice@example.com', roles: ['member'] });
const bob = TenantScope.of('fd-bob', { subject: 'bob@example.com', roles: ['member'] });

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a domain error, the call succeeded');
}

function fieldsOf(err: DomainError): string[] {
  return err instanceof BadInputError ? err.problems.map((p) => p.field) : [];
}

describe('FailoverDomainService on MariaDB', () => {
  let db: TestDatabase;
  let ds: ReturnType<typeof createDataSource>;
  let store: Store;
  let clusters: ClusterService;
  let domains: FailoverDomainService;
  let services: ServiceGroupService;

  let c1: string;
  let c2: string;
  let bobCluster: string;
  let n1: NodeEntity;
  let n2: NodeEntity;
  let n3: NodeEntity;
  let otherClusterNode: NodeEntity;
  let bobNode: NodeEntity;

  async function makeNode(scope: TenantScope, clusterId: string, hostname: string): Promise<NodeEntity> {
    return store.transaction((repos) =>
      repos.nodes.create(scope, {
        clusterId,
        hostname,
        kind: NodeKind.PHYSICAL,
        status: NodeStatus.ONLINE,
        maintenance: false,
        endpointUri: `qemu+ssh://root@${hostname}/system`,
        endpointUsername: null,
        endpointSecret: null,
        checkAddress: null,
        cpus: 16,
        memoryMb: 65536,
        attributes: {},
      }),
    );
  }

  const rowCounts = async (scope: TenantScope) => ({
    domains: await store.repos.failoverDomains.count(scope),
    events: await store.repos.events.count(scope),
    members: (await store.repos.domainMembers.forDomains(scope, (await store.repos.failoverDomains.find(scope)).map((d) => d.id))).length,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations({ url: db.url });
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    store = new Store(ds);
    const quota = new QuotaService(DEFAULT_TENANT_QUOTA);
    clusters = new ClusterService(store, quota);
    domains = new FailoverDomainService(store);
    services = new ServiceGroupService(store, quota);

    c1 = (await clusters.create(alice, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
    c2 = (await clusters.create(alice, { name: 'dr', hypervisor: Hypervisor.KVM })).id;
    bobCluster = (await clusters.create(bob, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
    n1 = await makeNode(alice, c1, 'kvm1.example.com');
    n2 = await makeNode(alice, c1, 'kvm2.example.com');
    n3 = await makeNode(alice, c1, 'kvm3.example.com');
    otherClusterNode = await makeNode(alice, c2, 'dr1.example.com');
    bobNode = await makeNode(bob, bobCluster, 'bob1.example.com');
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates, reads, updates and deletes a domain, logging each change', async () => {
    const created = await domains.create(alice, {
      clusterId: c1,
      name: 'web-nodes',
      ordered: true,
      members: [
        { nodeId: n2.id, priority: 2 },
        { nodeId: n1.id, priority: 1 },
      ],
    });
    expect(created).toMatchObject({ clusterId: c1, name: 'web-nodes', ordered: true, restricted: false, nofailback: false });
    expect(created.tenantId).toBe(alice.tenantId);

    // members come back most preferred first (rgmanager: 1 is the best)
    const [members] = await domains.membersOf(alice, [created.id]);
    expect(members?.map((m) => [m.nodeId, m.priority])).toEqual([
      [n1.id, 1],
      [n2.id, 2],
    ]);

    const updated = await domains.update(alice, {
      id: created.id,
      name: 'web',
      restricted: true,
      nofailback: true,
      members: [
        { nodeId: n3.id, priority: 1 },
        { nodeId: n1.id, priority: 5 },
      ],
    });
    expect(updated).toMatchObject({ name: 'web', ordered: true, restricted: true, nofailback: true });
    expect((await domains.membersOf(alice, [created.id]))[0]?.map((m) => [m.nodeId, m.priority])).toEqual([
      [n3.id, 1],
      [n1.id, 5],
    ]);

    // omitted fields keep their values; members are kept when not given
    const renamedOnly = await domains.update(alice, { id: created.id, ordered: false });
    expect(renamedOnly).toMatchObject({ name: 'web', ordered: false, restricted: true, nofailback: true });
    expect((await domains.membersOf(alice, [created.id]))[0]).toHaveLength(2);

    const page = await domains.page(alice, { clusterId: c1, nameContains: 'we' }, { first: 10 });
    expect(page.rows.map((d) => d.id)).toEqual([created.id]);
    expect((await domains.page(alice, { clusterId: c2 }, { first: 10 })).rows).toEqual([]);

    const deleted = await domains.delete(alice, created.id);
    expect(deleted.id).toBe(created.id);
    expect(await store.repos.failoverDomains.findById(alice, created.id)).toBeNull();
    expect(await store.repos.domainMembers.forDomains(alice, [created.id])).toEqual([]);

    const events = await store.repos.events.find(alice, { objectId: created.id });
    expect(events.map((e) => e.type)).toEqual(['failover_domain.created', 'failover_domain.updated', 'failover_domain.updated', 'failover_domain.deleted']);
    expect(events.every((e) => e.clusterId === c1 && e.objectType === 'FailoverDomain' && e.actor === 'alice@example.com')).toBe(true);
    expect(events[0]?.after).toMatchObject({ name: 'web-nodes', members: [{ nodeId: n1.id, priority: 1 }, { nodeId: n2.id, priority: 2 }] });
    expect(events[1]?.before).toMatchObject({ name: 'web-nodes', restricted: false });
    expect(events[1]?.after).toMatchObject({ name: 'web', restricted: true, members: [{ nodeId: n3.id, priority: 1 }, { nodeId: n1.id, priority: 5 }] });
    expect(events[3]?.before).toMatchObject({ name: 'web', members: [{ nodeId: n3.id, priority: 1 }, { nodeId: n1.id, priority: 5 }] });
  });

  it('lists the domains of many clusters and their members in a fixed number of statements', async () => {
    const a = await domains.create(alice, { clusterId: c1, name: 'batch-a', members: [{ nodeId: n1.id, priority: 1 }] });
    const b = await domains.create(alice, { clusterId: c2, name: 'batch-b', members: [{ nodeId: otherClusterNode.id, priority: 3 }] });
    const pages = await domains.pageByCluster(alice, [c2, c1, bobCluster], { first: 10 });
    expect(pages[0]?.rows.map((d) => d.id)).toEqual([b.id]);
    expect(pages[1]?.rows.map((d) => d.id)).toContain(a.id);
    expect(pages[2]?.rows).toEqual([]);
    const members = await domains.membersOf(alice, [b.id, a.id, 'nope']);
    expect(members.map((list) => list.map((m) => m.nodeId))).toEqual([[otherClusterNode.id], [n1.id], []]);

    const statements = (fn: () => Promise<unknown>) => queryCounter.run(async () => (await fn(), queryCounter.current()));
    const onePage = await statements(() => domains.pageByCluster(alice, [c1], { first: 10 }));
    expect(await statements(() => domains.pageByCluster(alice, [c1, c2, bobCluster], { first: 10 }))).toBe(onePage);
    expect(await statements(() => domains.membersOf(alice, [a.id]))).toBe(1);
    expect(await statements(() => domains.membersOf(alice, [a.id, b.id]))).toBe(1);
    await domains.delete(alice, a.id);
    await domains.delete(alice, b.id);
  });

  it('refuses a duplicate name in the same cluster (CONFLICT) but allows it in another cluster', async () => {
    const first = await domains.create(alice, { clusterId: c1, name: 'dup' });
    const before = await rowCounts(alice);
    const err = await errorOf(domains.create(alice, { clusterId: c1, name: 'dup' }));
    expect(err.code).toBe('CONFLICT');
    expect(await rowCounts(alice)).toEqual(before);
    const other = await domains.create(alice, { clusterId: c2, name: 'dup' });
    // renaming onto an existing name is a CONFLICT too
    const second = await domains.create(alice, { clusterId: c1, name: 'dup2' });
    expect((await errorOf(domains.update(alice, { id: second.id, name: 'dup' }))).code).toBe('CONFLICT');
    expect((await domains.get(alice, second.id)).name).toBe('dup2');
    for (const d of [first, other, second]) await domains.delete(alice, d.id);
  });

  it('refuses members that are nodes of another cluster or another tenant, naming the field, and writes nothing', async () => {
    const before = await rowCounts(alice);
    const otherCluster = await errorOf(
      domains.create(alice, {
        clusterId: c1,
        name: 'mixed',
        members: [
          { nodeId: n1.id, priority: 1 },
          { nodeId: otherClusterNode.id, priority: 2 },
        ],
      }),
    );
    expect(otherCluster.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(otherCluster)).toEqual(['members[1].nodeId']);

    const otherTenant = await errorOf(domains.create(alice, { clusterId: c1, name: 'mixed', members: [{ nodeId: bobNode.id, priority: 1 }] }));
    expect(otherTenant.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(otherTenant)).toEqual(['members[0].nodeId']);
    // the message must not tell bob's node apart from a node that does not exist
    const missing = await errorOf(domains.create(alice, { clusterId: c1, name: 'mixed', members: [{ nodeId: '00000000-0000-7000-8000-000000000000', priority: 1 }] }));
    expect(missing.message).toBe(otherTenant.message);
    expect(await rowCounts(alice)).toEqual(before);

    // the same on update: the domain keeps its members
    const d = await domains.create(alice, { clusterId: c1, name: 'keep', members: [{ nodeId: n1.id, priority: 1 }] });
    const err = await errorOf(domains.update(alice, { id: d.id, name: 'renamed', members: [{ nodeId: otherClusterNode.id, priority: 1 }] }));
    expect(fieldsOf(err)).toEqual(['members[0].nodeId']);
    expect((await domains.get(alice, d.id)).name).toBe('keep');
    expect((await domains.membersOf(alice, [d.id]))[0]?.map((m) => m.nodeId)).toEqual([n1.id]);
    await domains.delete(alice, d.id);
  });

  it('reports every bad field at once: name, priorities, repeated nodes, null flags', async () => {
    const before = await rowCounts(alice);
    const err = await errorOf(
      domains.create(alice, {
        clusterId: c1,
        name: '-bad name',
        members: [
          { nodeId: n1.id, priority: 0 },
          { nodeId: n2.id, priority: 101 },
          { nodeId: n1.id, priority: 3 },
        ],
      }),
    );
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(err).sort()).toEqual(['members[0].priority', 'members[1].priority', 'members[2].nodeId', 'name']);
    const d = await domains.create(alice, { clusterId: c1, name: 'nulls' });
    const nulls = await errorOf(domains.update(alice, { id: d.id, name: null, ordered: null }));
    expect(fieldsOf(nulls).sort()).toEqual(['name', 'ordered']);
    await domains.delete(alice, d.id);
    expect(await rowCounts(alice)).toEqual({ ...before, events: before.events + 2 });
  });

  it("answers NOT_FOUND for another tenant's domain or cluster and changes nothing", async () => {
    const bobs = await domains.create(bob, { clusterId: bobCluster, name: 'bobs', members: [{ nodeId: bobNode.id, priority: 1 }] });
    const bobBefore = await rowCounts(bob);
    expect((await errorOf(domains.get(alice, bobs.id))).code).toBe('NOT_FOUND');
    expect((await errorOf(domains.update(alice, { id: bobs.id, name: 'stolen', members: [] }))).code).toBe('NOT_FOUND');
    expect((await errorOf(domains.delete(alice, bobs.id))).code).toBe('NOT_FOUND');
    expect((await errorOf(domains.create(alice, { clusterId: bobCluster, name: 'intruder' }))).code).toBe('NOT_FOUND');
    expect(await domains.byIds(alice, [bobs.id])).toEqual([]);
    expect(await domains.membersOf(alice, [bobs.id])).toEqual([[]]);
    expect((await domains.page(alice, { clusterId: bobCluster }, { first: 10 })).rows).toEqual([]);
    expect(await rowCounts(bob)).toEqual(bobBefore);
    expect(await domains.get(bob, bobs.id)).toMatchObject({ name: 'bobs' });
    expect((await domains.membersOf(bob, [bobs.id]))[0]).toHaveLength(1);
  });

  it('refuses to delete a domain while a service uses it (CONFLICT), and deletes it once none does', async () => {
    const d = await domains.create(alice, { clusterId: c1, name: 'in-use', members: [{ nodeId: n1.id, priority: 1 }] });
    const svc = await services.create(alice, { clusterId: c1, name: 'db', policy: { failoverDomainId: d.id } });
    const before = await rowCounts(alice);
    const err = await errorOf(domains.delete(alice, d.id));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('"db"');
    expect(err.details).toMatchObject({ services: 1 });
    expect(await rowCounts(alice)).toEqual(before);
    expect((await services.get(alice, svc.id)).failoverDomainId).toBe(d.id);

    await services.updatePolicy(alice, { id: svc.id, policy: { failoverDomainId: null } });
    await domains.delete(alice, d.id);
    expect(await store.repos.failoverDomains.findById(alice, d.id)).toBeNull();
    await services.destroy(alice, svc.id, false);
  });
});
