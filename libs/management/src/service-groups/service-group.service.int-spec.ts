import { DEFAULT_SERVICE_POLICY, type DomainError, Hypervisor, type PlatformAdminScope, RecoveryAction, ServiceState, TenantScope } from '@haaas/domain';
import type { NodeEntity, ResourceEntity } from '@haaas/persistence';
import { alice, bob, carol, createNode, errorOf, fieldsOf as reportedFieldsOf, type Harness } from '../testing/management.harness';
import { type ServiceGroupWorld, startServiceGroupWorld } from '../testing/service-group.fixtures';
import type { ServiceGroupService } from './service-group.service';
import type { ServicePolicyChange } from './service-groups.rules';

// this service reports problems in the order of its checks; the tests compare the set
const fieldsOf = (err: DomainError) => reportedFieldsOf(err).sort();

describe('ServiceGroupService on MariaDB', () => {
  let h: Harness;
  let c1: string;
  let c2: string;
  let bobCluster: string;
  let node1: NodeEntity;
  let domain1: string;
  let domainOfC2: string;
  let makeResource: ServiceGroupWorld['makeResource'];
  let stored: ServiceGroupWorld['stored'];
  let setState: ServiceGroupWorld['setState'];
  let counts: ServiceGroupWorld['counts'];

  beforeAll(async () => {
    ({ h, c1, c2, bobCluster, node1, domain1, domainOfC2, makeResource, stored, setState, counts } = await startServiceGroupWorld());
  });

  afterAll(() => h?.close());

  it('creates a STOPPED service with its policy and resources in start order, then updates, lists and destroys it', async () => {
    const [r1, r2, r3] = [await makeResource(alice, c1), await makeResource(alice, c1), await makeResource(alice, c1)];
    const svc = await h.services.create(alice, {
      clusterId: c1,
      name: 'web',
      policy: { failoverDomainId: domain1, priority: 900, recoveryAction: RecoveryAction.RESTART, antiAffinityGroup: 'front', recoveryTimeObjectiveSeconds: 60 },
      resources: [r3.id, r1.id],
      attributes: [{ key: 'team', value: 'web' }],
    });
    expect(svc).toMatchObject({
      clusterId: c1,
      name: 'web',
      state: ServiceState.STOPPED,
      currentNodeId: null,
      failoverDomainId: domain1,
      priority: 900,
      recoveryAction: RecoveryAction.RESTART,
      startTimeoutSeconds: DEFAULT_SERVICE_POLICY.startTimeoutSeconds,
      antiAffinityGroup: 'front',
      recoveryTimeObjectiveSeconds: 60,
      attributes: { team: 'web' },
    });
    expect(await stored(svc.id)).toEqual([
      [r3.id, 0],
      [r1.id, 1],
    ]);
    expect((await h.services.resourcesOf(alice, [svc.id]))[0]?.map((r) => r.id)).toEqual([r3.id, r1.id]);

    // omitted fields keep their values; explicit nulls clear the optional ones
    const updated = await h.services.updatePolicy(alice, { id: svc.id, policy: { maxRestarts: 7, failoverDomainId: null, antiAffinityGroup: null, recoveryTimeObjectiveSeconds: null } });
    expect(updated).toMatchObject({ maxRestarts: 7, priority: 900, recoveryAction: RecoveryAction.RESTART, failoverDomainId: null, antiAffinityGroup: null, recoveryTimeObjectiveSeconds: null });
    const back = await h.services.updatePolicy(alice, { id: svc.id, policy: { failoverDomainId: domain1 } });
    expect(back).toMatchObject({ failoverDomainId: domain1, maxRestarts: 7, antiAffinityGroup: null });

    const attrs = await h.services.setAttributes(alice, svc.id, { set: [{ key: 'tier', value: '1' }], unset: ['team'] });
    expect(attrs.attributes).toEqual({ tier: '1' });

    await h.services.addResource(alice, { serviceId: svc.id, resourceId: r2.id });
    await h.services.removeResource(alice, svc.id, r3.id);
    expect(await stored(svc.id)).toEqual([
      [r1.id, 0],
      [r2.id, 1],
    ]);

    const destroyed = await h.services.destroy(alice, svc.id, false);
    expect(destroyed.id).toBe(svc.id);
    expect(await h.store.repos.services.findById(alice, svc.id)).toBeNull();
    // released, not deleted
    for (const r of [r1, r2, r3]) expect(await h.store.repos.resources.get(alice, r.id)).toMatchObject({ serviceId: null, position: null });

    const events = await h.store.repos.events.find(alice, { serviceId: svc.id });
    expect(events.map((e) => e.type)).toEqual([
      'service.created',
      'service.policy_updated',
      'service.policy_updated',
      'service.attributes_changed',
      'service.resource_added',
      'service.resource_removed',
      'service.destroyed',
    ]);
    expect(events.every((e) => e.objectId === svc.id && e.objectType === 'Service' && e.clusterId === c1 && e.actor === 'alice@example.com')).toBe(true);
    expect(events[0]?.after).toMatchObject({ name: 'web', state: 'STOPPED', resources: [r3.id, r1.id] });
    expect(events[1]?.before).toMatchObject({ policy: { maxRestarts: 3, failoverDomainId: domain1 } });
    expect(events[1]?.after).toMatchObject({ policy: { maxRestarts: 7, failoverDomainId: null } });
    expect(events[4]?.after).toMatchObject({ resourceId: r2.id, position: 2, resources: [r3.id, r1.id, r2.id] });
    expect(events[5]?.before).toMatchObject({ resources: [r3.id, r1.id, r2.id] });
    expect(events[5]?.after).toMatchObject({ resourceId: r3.id, resources: [r1.id, r2.id] });
    expect(events[6]?.before).toMatchObject({ name: 'web', resources: [r1.id, r2.id] });
  });

  it('keeps positions 0..n-1 with no gaps when inserting at any position and removing', async () => {
    const svc = await h.services.create(alice, { clusterId: c1, name: 'ordering' });
    const [a, b, c, d] = [await makeResource(alice, c1), await makeResource(alice, c1), await makeResource(alice, c1), await makeResource(alice, c1)];
    await h.services.addResource(alice, { serviceId: svc.id, resourceId: a.id });
    await h.services.addResource(alice, { serviceId: svc.id, resourceId: b.id, position: 0 });
    await h.services.addResource(alice, { serviceId: svc.id, resourceId: c.id, position: 1 });
    await h.services.addResource(alice, { serviceId: svc.id, resourceId: d.id, position: 3 });
    expect(await stored(svc.id)).toEqual([
      [b.id, 0],
      [c.id, 1],
      [a.id, 2],
      [d.id, 3],
    ]);
    await h.services.removeResource(alice, svc.id, c.id);
    expect(await stored(svc.id)).toEqual([
      [b.id, 0],
      [a.id, 1],
      [d.id, 2],
    ]);
    await h.services.removeResource(alice, svc.id, b.id);
    expect(await stored(svc.id)).toEqual([
      [a.id, 0],
      [d.id, 1],
    ]);

    // a position past the end is refused with nothing changed
    const before = await counts(alice);
    const err = await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: c.id, position: 3 }));
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(err)).toEqual(['position']);
    expect(fieldsOf(await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: c.id, position: -1 })))).toEqual(['position']);
    // adding a member again is a CONFLICT, removing a non-member is bad input
    expect((await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: a.id, position: 0 }))).code).toBe('CONFLICT');
    const notMember = await errorOf(h.services.removeResource(alice, svc.id, c.id));
    expect([notMember.code, fieldsOf(notMember)]).toEqual(['BAD_USER_INPUT', ['resourceId']]);
    expect(await counts(alice)).toEqual(before);
  });

  it('serializes concurrent adds to one service on its row lock: no duplicate positions', async () => {
    const svc = await h.services.create(alice, { clusterId: c1, name: 'concurrent' });
    const first = await makeResource(alice, c1);
    await h.services.addResource(alice, { serviceId: svc.id, resourceId: first.id });
    const extra: ResourceEntity[] = [];
    for (let i = 0; i < 6; i++) extra.push(await makeResource(alice, c1));
    // half append, half insert at the front, all at once
    await Promise.all(extra.map((r, i) => h.services.addResource(alice, { serviceId: svc.id, resourceId: r.id, position: i % 2 === 0 ? null : 0 })));
    const rows = await stored(svc.id);
    expect(rows).toHaveLength(7);
    expect(rows.map(([, p]) => p)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(rows.map(([id]) => id))).toEqual(new Set([first.id, ...extra.map((r) => r.id)]));

    // two services racing for the same resource: exactly one gets it, the other is told who has it
    const other = await h.services.create(alice, { clusterId: c1, name: 'concurrent-2' });
    const contested = await makeResource(alice, c1);
    const results = await Promise.allSettled([
      h.services.addResource(alice, { serviceId: svc.id, resourceId: contested.id }),
      h.services.addResource(alice, { serviceId: other.id, resourceId: contested.id }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((rejected?.reason as DomainError).code).toBe('CONFLICT');
    const owner = (await h.store.repos.resources.get(alice, contested.id)).serviceId;
    expect([svc.id, other.id]).toContain(owner);
  });

  it('refuses a resource of another cluster or another tenant, and one that belongs to another service', async () => {
    const svc = await h.services.create(alice, { clusterId: c1, name: 'refs' });
    const otherCluster = await makeResource(alice, c2);
    const bobs = await makeResource(bob, bobCluster);
    const before = await counts(alice);
    const bobBefore = await counts(bob);

    const wrongCluster = await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: otherCluster.id }));
    expect([wrongCluster.code, fieldsOf(wrongCluster)]).toEqual(['BAD_USER_INPUT', ['resourceId']]);
    const wrongTenant = await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: bobs.id }));
    expect([wrongTenant.code, fieldsOf(wrongTenant)]).toEqual(['BAD_USER_INPUT', ['resourceId']]);
    expect(wrongTenant.message).toBe(wrongCluster.message);

    const onCreate = await errorOf(h.services.create(alice, { clusterId: c1, name: 'refs-2', resources: [(await makeResource(alice, c1)).id, otherCluster.id, bobs.id] }));
    expect([onCreate.code, fieldsOf(onCreate)]).toEqual(['BAD_USER_INPUT', ['resources[1]', 'resources[2]']]);

    const taken = await makeResource(alice, c1);
    const owner = await h.services.create(alice, { clusterId: c1, name: 'owner', resources: [taken.id] });
    const afterOwner = await counts(alice);
    const conflict = await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: taken.id }));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain('"owner"');
    expect(conflict.details).toMatchObject({ resourceId: taken.id, serviceId: owner.id });
    const onCreateConflict = await errorOf(h.services.create(alice, { clusterId: c1, name: 'thief', resources: [taken.id] }));
    expect(onCreateConflict.code).toBe('CONFLICT');
    expect(await counts(alice)).toEqual(afterOwner);
    expect(afterOwner.services).toBe(before.services + 1);
    expect(await counts(bob)).toEqual(bobBefore);
  });

  it('refuses a failover domain of another cluster or tenant at policy.failoverDomainId', async () => {
    const bobDomain = await h.domains.create(bob, { clusterId: bobCluster, name: 'bob-domain' });
    const before = await counts(alice);
    for (const failoverDomainId of [domainOfC2, bobDomain.id, 'not-an-id']) {
      const err = await errorOf(h.services.create(alice, { clusterId: c1, name: 'dom', policy: { failoverDomainId } }));
      expect([err.code, fieldsOf(err)]).toEqual(['BAD_USER_INPUT', ['policy.failoverDomainId']]);
    }
    const svc = await h.services.create(alice, { clusterId: c1, name: 'dom' });
    const mid = await counts(alice);
    const err = await errorOf(h.services.updatePolicy(alice, { id: svc.id, policy: { failoverDomainId: domainOfC2, priority: 10 } }));
    expect(fieldsOf(err)).toEqual(['policy.failoverDomainId']);
    expect((await h.services.get(alice, svc.id)).priority).toBe(DEFAULT_SERVICE_POLICY.priority);
    expect(await counts(alice)).toEqual(mid);
    expect(mid.services).toBe(before.services + 1);
  });

  it('reports every bad policy value at its field path and writes nothing', async () => {
    const resource = await makeResource(alice, c1);
    const before = await counts(alice);
    const bad = {
      priority: 0,
      recoveryAction: 'REBOOT' as RecoveryAction,
      startTimeoutSeconds: -1,
      maxRestarts: 1.5,
      antiAffinityGroup: 'not a name',
      recoveryTimeObjectiveSeconds: 0,
      autostart: null,
    } satisfies ServicePolicyChange;
    const err = await errorOf(h.services.create(alice, { clusterId: c1, name: 'bad policy!', policy: bad, resources: [resource.id, resource.id], attributes: [{ key: '', value: 'x' }] }));
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(err)).toEqual(
      [
        'attributes.set[0].key',
        'name',
        'policy.antiAffinityGroup',
        'policy.autostart',
        'policy.maxRestarts',
        'policy.priority',
        'policy.recoveryAction',
        'policy.recoveryTimeObjectiveSeconds',
        'policy.startTimeoutSeconds',
        'resources[1]',
      ].sort(),
    );
    expect(await counts(alice)).toEqual(before);

    const svc = await h.services.create(alice, { clusterId: c1, name: 'policy-update' });
    const mid = await counts(alice);
    const upd = await errorOf(h.services.updatePolicy(alice, { id: svc.id, policy: { priority: 1001, maxRelocations: null, stopTimeoutSeconds: 86401 } }));
    expect(fieldsOf(upd)).toEqual(['policy.maxRelocations', 'policy.priority', 'policy.stopTimeoutSeconds']);
    expect(await h.services.get(alice, svc.id)).toMatchObject({ priority: 500, maxRelocations: 3, version: svc.version });
    expect(await counts(alice)).toEqual(mid);
  });

  it('refuses a duplicate name in a cluster (CONFLICT) and enforces the services quota', async () => {
    await h.services.create(alice, { clusterId: c1, name: 'unique' });
    const before = await counts(alice);
    expect((await errorOf(h.services.create(alice, { clusterId: c1, name: 'unique' }))).code).toBe('CONFLICT');
    expect(await counts(alice)).toEqual(before);
    await h.services.create(alice, { clusterId: c2, name: 'unique' });

    const carolCluster = (await h.clusters.create(carol, { name: 'small', hypervisor: Hypervisor.KVM })).id;
    const admin = TenantScope.of(carol.tenantId, { subject: 'root', roles: ['admin'] }) as PlatformAdminScope;
    const tenant = await h.store.transaction((repos) => repos.tenants.lockOwn(carol));
    await h.store.repos.tenants.save(admin, { ...tenant, maxServices: 1 });
    await h.services.create(carol, { clusterId: carolCluster, name: 'one' });
    const quota = await errorOf(h.services.create(carol, { clusterId: carolCluster, name: 'two' }));
    expect(quota.code).toBe('QUOTA_EXCEEDED');
    expect(await h.store.repos.services.count(carol)).toBe(1);
  });

  it('refuses to destroy a running service unless forced, and to change resources mid-transition', async () => {
    const r = await makeResource(alice, c1);
    const svc = await h.services.create(alice, { clusterId: c1, name: 'running', resources: [r.id] });
    await setState(svc.id, ServiceState.STARTED, node1.id);
    const before = await counts(alice);
    const err = await errorOf(h.services.destroy(alice, svc.id, false));
    expect(err.code).toBe('CONFLICT');
    expect(err.details).toMatchObject({ state: 'STARTED' });
    expect(await counts(alice)).toEqual(before);

    await setState(svc.id, ServiceState.STARTING, node1.id);
    const busy = await errorOf(h.services.addResource(alice, { serviceId: svc.id, resourceId: (await makeResource(alice, c1)).id }));
    expect(busy.code).toBe('CONFLICT');
    expect((await errorOf(h.services.removeResource(alice, svc.id, r.id))).code).toBe('CONFLICT');
    expect(await stored(svc.id)).toEqual([[r.id, 0]]);

    await h.services.destroy(alice, svc.id, true);
    expect(await h.store.repos.services.findById(alice, svc.id)).toBeNull();
    expect(await h.store.repos.resources.get(alice, r.id)).toMatchObject({ serviceId: null, position: null });
    const [destroyed] = await h.store.repos.events.find(alice, { serviceId: svc.id, type: 'service.destroyed' });
    expect(destroyed).toMatchObject({ nodeId: node1.id });
    expect(destroyed?.message).toContain('forced while STARTING');

    // at rest (FAILED) no force is needed
    const failed = await h.services.create(alice, { clusterId: c1, name: 'failed' });
    await setState(failed.id, ServiceState.FAILED);
    await h.services.destroy(alice, failed.id, false);
    expect(await h.store.repos.services.findById(alice, failed.id)).toBeNull();
  });

  it("answers NOT_FOUND for another tenant's services and ids, and changes nothing", async () => {
    const bobResource = await makeResource(bob, bobCluster);
    const bobSvc = await h.services.create(bob, { clusterId: bobCluster, name: 'bobs', resources: [bobResource.id], attributes: [{ key: 'k', value: 'v' }] });
    const mine = await makeResource(alice, c1);
    const before = await counts(bob);
    const aliceBefore = await counts(alice);
    const attempts: Promise<unknown>[] = [
      h.services.get(alice, bobSvc.id),
      h.services.updatePolicy(alice, { id: bobSvc.id, policy: { priority: 1 } }),
      h.services.setAttributes(alice, bobSvc.id, { unset: ['k'] }),
      h.services.destroy(alice, bobSvc.id, true),
      h.services.addResource(alice, { serviceId: bobSvc.id, resourceId: mine.id }),
      h.services.removeResource(alice, bobSvc.id, bobResource.id),
      h.services.create(alice, { clusterId: bobCluster, name: 'intruder' }),
    ];
    for (const attempt of attempts) expect((await errorOf(attempt)).code).toBe('NOT_FOUND');
    expect(await h.services.byIds(alice, [bobSvc.id])).toEqual([]);
    expect(await h.services.resourcesOf(alice, [bobSvc.id])).toEqual([[]]);
    expect((await h.services.page(alice, { clusterId: bobCluster }, { first: 10 })).rows).toEqual([]);
    expect(await counts(bob)).toEqual(before);
    expect(await counts(alice)).toEqual(aliceBefore);
    expect(await h.services.get(bob, bobSvc.id)).toMatchObject({ priority: 500, attributes: { k: 'v' }, version: bobSvc.version });
  });

  it('filters lists and batches nested lists in a fixed number of statements', async () => {
    const cl = (await h.clusters.create(alice, { name: 'lists', hypervisor: Hypervisor.KVM })).id;
    const n = await createNode(h, alice, cl, 'lists1.example.com');
    const dom = (await h.domains.create(alice, { clusterId: cl, name: 'lists-domain', members: [{ nodeId: n.id, priority: 1 }] })).id;
    const low = await h.services.create(alice, { clusterId: cl, name: 'alpha-low', policy: { priority: 100 } });
    const high = await h.services.create(alice, { clusterId: cl, name: 'alpha-high', policy: { priority: 900, failoverDomainId: dom } });
    const mid = await h.services.create(alice, { clusterId: cl, name: 'beta-mid', policy: { priority: 500 } });
    await setState(high.id, ServiceState.STARTED, n.id);
    const ids = async (filter: Parameters<ServiceGroupService['page']>[1], first = 10, after: string | null = null) =>
      (await h.services.page(alice, { clusterId: cl, ...filter }, { first, after })).rows.map((s) => s.id);

    expect(await ids({})).toEqual([low.id, high.id, mid.id]);
    expect(await ids({ nameContains: 'alpha' })).toEqual([low.id, high.id]);
    expect(await ids({ state: ServiceState.STARTED })).toEqual([high.id]);
    expect(await ids({ failoverDomainId: dom })).toEqual([high.id]);
    expect(await ids({ nodeId: n.id })).toEqual([high.id]);
    expect(await ids({ minPriority: 500 })).toEqual([high.id, mid.id]);
    // inclusive at the boundary, and the extremes of the range
    expect(await ids({ minPriority: 900 })).toEqual([high.id]);
    expect(await ids({ minPriority: 901 })).toEqual([]);
    expect(await ids({ minPriority: 1 })).toEqual([low.id, high.id, mid.id]);
    expect(await ids({ minPriority: 1000 })).toEqual([]);
    // keyset paging with a priority filter
    const p1 = await h.services.page(alice, { clusterId: cl, minPriority: 500 }, { first: 1 });
    expect([p1.rows.map((s) => s.id), p1.hasNextPage]).toEqual([[high.id], true]);
    const p2 = await h.services.page(alice, { clusterId: cl, minPriority: 500 }, { first: 1, after: high.id });
    expect([p2.rows.map((s) => s.id), p2.hasNextPage]).toEqual([[mid.id], false]);
    expect(fieldsOf(await errorOf(h.services.page(alice, { minPriority: 0 }, { first: 1 })))).toEqual(['filter.minPriority']);

    const pages = await h.services.pageByCluster(alice, [cl, c2, bobCluster], { first: 2 });
    expect(pages.map((p) => [p.rows.map((s) => s.id), p.hasNextPage])).toEqual([
      [[low.id, high.id], true],
      [(await h.services.page(alice, { clusterId: c2 }, { first: 2 })).rows.map((s) => s.id), false],
      [[], false],
    ]);

    // filtered lists under many clusters
    const filtered = await h.services.pageByCluster(alice, [c1, cl], { first: 10 }, { minPriority: 500, nameContains: 'ALPHA' });
    expect(filtered[0]?.rows.filter((s) => s.name.includes('alpha'))).toEqual([]);
    expect(filtered[1]?.rows.map((s) => s.id)).toEqual([high.id]);
    expect((await h.services.pageByCluster(alice, [cl], { first: 1 }, { state: ServiceState.STOPPED }))[0]).toMatchObject({ rows: [{ id: low.id }], hasNextPage: true });
    expect((await h.services.pageByCluster(alice, [cl], { first: 5, after: low.id }, { state: ServiceState.STOPPED }))[0]?.rows.map((s) => s.id)).toEqual([mid.id]);

    const rs = [await makeResource(alice, cl), await makeResource(alice, cl), await makeResource(alice, cl)];
    await h.services.addResource(alice, { serviceId: low.id, resourceId: rs[0].id });
    await h.services.addResource(alice, { serviceId: mid.id, resourceId: rs[1].id });
    await h.services.addResource(alice, { serviceId: mid.id, resourceId: rs[2].id, position: 0 });
    expect((await h.services.resourcesOf(alice, [mid.id, low.id, high.id])).map((l) => l.map((r) => r.id))).toEqual([[rs[2].id, rs[1].id], [rs[0].id], []]);

    expect(await h.statementsOf(() => h.services.resourcesOf(alice, [low.id]))).toBe(1);
    expect(await h.statementsOf(() => h.services.resourcesOf(alice, [low.id, mid.id, high.id]))).toBe(1);
    const one = await h.statementsOf(() => h.services.pageByCluster(alice, [cl], { first: 5 }));
    expect(await h.statementsOf(() => h.services.pageByCluster(alice, [cl, c1, c2], { first: 5 }))).toBe(one);
    const oneFiltered = await h.statementsOf(() => h.services.pageByCluster(alice, [cl], { first: 5 }, { minPriority: 2 }));
    expect(await h.statementsOf(() => h.services.pageByCluster(alice, [cl, c1, c2], { first: 5 }, { minPriority: 2 }))).toBe(oneFiltered);
  });
});
