import { Hypervisor, type TenantScope } from '@haaas/domain';
import type { NodeEntity } from '@haaas/persistence';
import { alice, bob, createNode, errorOf, fieldsOf, Harness, startHarness } from '../testing/management.harness';

describe('FailoverDomainService on MariaDB', () => {
  let h: Harness;

  let c1: string;
  let c2: string;
  let bobCluster: string;
  let n1: NodeEntity;
  let n2: NodeEntity;
  let n3: NodeEntity;
  let otherClusterNode: NodeEntity;
  let bobNode: NodeEntity;

  const rowCounts = async (scope: TenantScope) => ({
    domains: await h.store.repos.failoverDomains.count(scope),
    events: await h.store.repos.events.count(scope),
    members: (await h.store.repos.domainMembers.forDomains(scope, (await h.store.repos.failoverDomains.find(scope)).map((d) => d.id))).length,
  });

  beforeAll(async () => {
    h = await startHarness();
    c1 = (await h.clusters.create(alice, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
    c2 = (await h.clusters.create(alice, { name: 'dr', hypervisor: Hypervisor.KVM })).id;
    bobCluster = (await h.clusters.create(bob, { name: 'prod', hypervisor: Hypervisor.KVM })).id;
    n1 = await createNode(h, alice, c1, 'kvm1.example.com');
    n2 = await createNode(h, alice, c1, 'kvm2.example.com');
    n3 = await createNode(h, alice, c1, 'kvm3.example.com');
    otherClusterNode = await createNode(h, alice, c2, 'dr1.example.com');
    bobNode = await createNode(h, bob, bobCluster, 'bob1.example.com');
  });

  afterAll(() => h?.close());

  it('creates domains with members concurrently without a deadlock', async () => {
    const names = ['par-a', 'par-b', 'par-c', 'par-d'];
    // the store retries a deadlocked transaction, so count the deadlocks the SQL logger reports
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (errors.push(String(chunk)), true));
    const results = await Promise.allSettled(
      names.map((name, i) => h.domains.create(alice, { clusterId: c1, name, members: [{ nodeId: n1.id, priority: i + 1 }, { nodeId: n2.id, priority: 10 }, { nodeId: n3.id, priority: 20 }] })),
    ).finally(() => spy.mockRestore());
    expect(errors.filter((e) => /Deadlock found/.test(e))).toEqual([]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(names.map(() => 'ok'));
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
    expect((await h.domains.membersOf(alice, ids)).map((m) => m.length)).toEqual([3, 3, 3, 3]);
    for (const id of ids) await h.domains.delete(alice, id);
  });

  it('creates, reads, updates and deletes a domain, logging each change', async () => {
    const created = await h.domains.create(alice, {
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
    const [members] = await h.domains.membersOf(alice, [created.id]);
    expect(members?.map((m) => [m.nodeId, m.priority])).toEqual([
      [n1.id, 1],
      [n2.id, 2],
    ]);

    const updated = await h.domains.update(alice, {
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
    expect((await h.domains.membersOf(alice, [created.id]))[0]?.map((m) => [m.nodeId, m.priority])).toEqual([
      [n3.id, 1],
      [n1.id, 5],
    ]);

    // omitted fields keep their values; members are kept when not given
    const renamedOnly = await h.domains.update(alice, { id: created.id, ordered: false });
    expect(renamedOnly).toMatchObject({ name: 'web', ordered: false, restricted: true, nofailback: true });
    expect((await h.domains.membersOf(alice, [created.id]))[0]).toHaveLength(2);

    const page = await h.domains.page(alice, { clusterId: c1, nameContains: 'we' }, { first: 10 });
    expect(page.rows.map((d) => d.id)).toEqual([created.id]);
    expect((await h.domains.page(alice, { clusterId: c2 }, { first: 10 })).rows).toEqual([]);

    const deleted = await h.domains.delete(alice, created.id);
    expect(deleted.id).toBe(created.id);
    expect(await h.store.repos.failoverDomains.findById(alice, created.id)).toBeNull();
    expect(await h.store.repos.domainMembers.forDomains(alice, [created.id])).toEqual([]);

    const events = await h.store.repos.events.find(alice, { objectId: created.id });
    expect(events.map((e) => e.type)).toEqual(['failover_domain.created', 'failover_domain.updated', 'failover_domain.updated', 'failover_domain.deleted']);
    expect(events.every((e) => e.clusterId === c1 && e.objectType === 'FailoverDomain' && e.actor === 'alice@example.com')).toBe(true);
    expect(events[0]?.after).toMatchObject({ name: 'web-nodes', members: [{ nodeId: n1.id, priority: 1 }, { nodeId: n2.id, priority: 2 }] });
    expect(events[1]?.before).toMatchObject({ name: 'web-nodes', restricted: false });
    expect(events[1]?.after).toMatchObject({ name: 'web', restricted: true, members: [{ nodeId: n3.id, priority: 1 }, { nodeId: n1.id, priority: 5 }] });
    expect(events[3]?.before).toMatchObject({ name: 'web', members: [{ nodeId: n3.id, priority: 1 }, { nodeId: n1.id, priority: 5 }] });
  });

  it('lists the domains of many clusters and their members in a fixed number of statements', async () => {
    const a = await h.domains.create(alice, { clusterId: c1, name: 'batch-a', members: [{ nodeId: n1.id, priority: 1 }] });
    const b = await h.domains.create(alice, { clusterId: c2, name: 'batch-b', members: [{ nodeId: otherClusterNode.id, priority: 3 }] });
    const pages = await h.domains.pageByCluster(alice, [c2, c1, bobCluster], { first: 10 });
    expect(pages[0]?.rows.map((d) => d.id)).toEqual([b.id]);
    expect(pages[1]?.rows.map((d) => d.id)).toContain(a.id);
    expect(pages[2]?.rows).toEqual([]);
    const members = await h.domains.membersOf(alice, [b.id, a.id, 'nope']);
    expect(members.map((list) => list.map((m) => m.nodeId))).toEqual([[otherClusterNode.id], [n1.id], []]);

    const onePage = await h.statementsOf(() => h.domains.pageByCluster(alice, [c1], { first: 10 }));
    expect(await h.statementsOf(() => h.domains.pageByCluster(alice, [c1, c2, bobCluster], { first: 10 }))).toBe(onePage);
    expect(await h.statementsOf(() => h.domains.membersOf(alice, [a.id]))).toBe(1);
    expect(await h.statementsOf(() => h.domains.membersOf(alice, [a.id, b.id]))).toBe(1);
    await h.domains.delete(alice, a.id);
    await h.domains.delete(alice, b.id);
  });

  it('refuses a duplicate name in the same cluster (CONFLICT) but allows it in another cluster', async () => {
    const first = await h.domains.create(alice, { clusterId: c1, name: 'dup' });
    const before = await rowCounts(alice);
    const err = await errorOf(h.domains.create(alice, { clusterId: c1, name: 'dup' }));
    expect(err.code).toBe('CONFLICT');
    expect(await rowCounts(alice)).toEqual(before);
    const other = await h.domains.create(alice, { clusterId: c2, name: 'dup' });
    // renaming onto an existing name is a CONFLICT too
    const second = await h.domains.create(alice, { clusterId: c1, name: 'dup2' });
    expect((await errorOf(h.domains.update(alice, { id: second.id, name: 'dup' }))).code).toBe('CONFLICT');
    expect((await h.domains.get(alice, second.id)).name).toBe('dup2');
    for (const d of [first, other, second]) await h.domains.delete(alice, d.id);
  });

  it('refuses members that are nodes of another cluster or another tenant, naming the field, and writes nothing', async () => {
    const before = await rowCounts(alice);
    const otherCluster = await errorOf(
      h.domains.create(alice, {
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

    const otherTenant = await errorOf(h.domains.create(alice, { clusterId: c1, name: 'mixed', members: [{ nodeId: bobNode.id, priority: 1 }] }));
    expect(otherTenant.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(otherTenant)).toEqual(['members[0].nodeId']);
    // the message must not tell bob's node apart from a node that does not exist
    const missing = await errorOf(h.domains.create(alice, { clusterId: c1, name: 'mixed', members: [{ nodeId: '00000000-0000-7000-8000-000000000000', priority: 1 }] }));
    expect(missing.message).toBe(otherTenant.message);
    expect(await rowCounts(alice)).toEqual(before);

    // the same on update: the domain keeps its members
    const d = await h.domains.create(alice, { clusterId: c1, name: 'keep', members: [{ nodeId: n1.id, priority: 1 }] });
    const err = await errorOf(h.domains.update(alice, { id: d.id, name: 'renamed', members: [{ nodeId: otherClusterNode.id, priority: 1 }] }));
    expect(fieldsOf(err)).toEqual(['members[0].nodeId']);
    expect((await h.domains.get(alice, d.id)).name).toBe('keep');
    expect((await h.domains.membersOf(alice, [d.id]))[0]?.map((m) => m.nodeId)).toEqual([n1.id]);
    await h.domains.delete(alice, d.id);
  });

  it('reports every bad field at once: name, priorities, repeated nodes, null flags', async () => {
    const before = await rowCounts(alice);
    const err = await errorOf(
      h.domains.create(alice, {
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
    const d = await h.domains.create(alice, { clusterId: c1, name: 'nulls' });
    const nulls = await errorOf(h.domains.update(alice, { id: d.id, name: null, ordered: null }));
    expect(fieldsOf(nulls).sort()).toEqual(['name', 'ordered']);
    await h.domains.delete(alice, d.id);
    expect(await rowCounts(alice)).toEqual({ ...before, events: before.events + 2 });
  });

  it("answers NOT_FOUND for another tenant's domain or cluster and changes nothing", async () => {
    const bobs = await h.domains.create(bob, { clusterId: bobCluster, name: 'bobs', members: [{ nodeId: bobNode.id, priority: 1 }] });
    const bobBefore = await rowCounts(bob);
    expect((await errorOf(h.domains.get(alice, bobs.id))).code).toBe('NOT_FOUND');
    expect((await errorOf(h.domains.update(alice, { id: bobs.id, name: 'stolen', members: [] }))).code).toBe('NOT_FOUND');
    expect((await errorOf(h.domains.delete(alice, bobs.id))).code).toBe('NOT_FOUND');
    expect((await errorOf(h.domains.create(alice, { clusterId: bobCluster, name: 'intruder' }))).code).toBe('NOT_FOUND');
    expect(await h.domains.byIds(alice, [bobs.id])).toEqual([]);
    expect(await h.domains.membersOf(alice, [bobs.id])).toEqual([[]]);
    expect((await h.domains.page(alice, { clusterId: bobCluster }, { first: 10 })).rows).toEqual([]);
    expect(await rowCounts(bob)).toEqual(bobBefore);
    expect(await h.domains.get(bob, bobs.id)).toMatchObject({ name: 'bobs' });
    expect((await h.domains.membersOf(bob, [bobs.id]))[0]).toHaveLength(1);
  });

  it('refuses to delete a domain while a service uses it (CONFLICT), and deletes it once none does', async () => {
    const d = await h.domains.create(alice, { clusterId: c1, name: 'in-use', members: [{ nodeId: n1.id, priority: 1 }] });
    const svc = await h.services.create(alice, { clusterId: c1, name: 'db', policy: { failoverDomainId: d.id } });
    const before = await rowCounts(alice);
    const err = await errorOf(h.domains.delete(alice, d.id));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('"db"');
    expect(err.details).toMatchObject({ services: 1 });
    expect(await rowCounts(alice)).toEqual(before);
    expect((await h.services.get(alice, svc.id)).failoverDomainId).toBe(d.id);

    await h.services.updatePolicy(alice, { id: svc.id, policy: { failoverDomainId: null } });
    await h.domains.delete(alice, d.id);
    expect(await h.store.repos.failoverDomains.findById(alice, d.id)).toBeNull();
    await h.services.destroy(alice, svc.id, false);
  });
});
