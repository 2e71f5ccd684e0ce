import { DEFAULT_TENANT_QUOTA, Hypervisor, ResourceType, TenantScope } from '@haaas/domain';
import { queryCounter } from '@haaas/persistence';
import type { ResourceEntity } from '@haaas/persistence';
import { QuotaService } from '../quota.service';
import { alice, bob, carol, createService, errorOf, fieldsOf, Harness, startHarness } from '../testing/management.harness';
import { readResourceSpec } from './resource-spec';
import { CreateResource, ResourceService } from './resource.service';

describe('ResourceService on MariaDB', () => {
  let h: Harness;
  let c1: string;
  let c2: string;
  let bobCluster: string;
  let seq = 0;

  const create = (scope: TenantScope, over: Partial<CreateResource> = {}): Promise<ResourceEntity> =>
    h.resources.create(scope, { clusterId: c1, name: `vm-${++seq}`, type: ResourceType.VM, vm: { hypervisorRef: `web-${seq}` }, ...over });

  const snapshotOf = (scope: TenantScope) => h.tenantRows(scope, ['resources', 'events']);

  /** What the services engineer's addResource does, reduced to the columns this service reads. */
  const assign = (scope: TenantScope, resource: ResourceEntity, serviceId: string, position: number) =>
    h.store.transaction(async (repos) => {
      const row = await repos.resources.lock(scope, resource.id);
      row.serviceId = serviceId;
      row.position = position;
      return repos.resources.save(scope, row);
    });

  beforeAll(async () => {
    h = await startHarness();
    c1 = (await h.clusters.create(alice, { name: 'c1', hypervisor: Hypervisor.VSPHERE })).id;
    c2 = (await h.clusters.create(alice, { name: 'c2', hypervisor: Hypervisor.KVM })).id;
    bobCluster = (await h.clusters.create(bob, { name: 'c1', hypervisor: Hypervisor.KVM })).id;
  });

  afterAll(() => h?.close());

  describe('createResource', () => {
    it.each([
      [ResourceType.VM, { vm: { hypervisorRef: 'vm-42', shutdownTimeoutSeconds: 120 } }, { hypervisorRef: 'vm-42', shutdownTimeoutSeconds: 120 }],
      [ResourceType.IP, { ip: { address: '2001:db8::10', prefixLength: 64 } }, { address: '2001:db8::10', prefixLength: 64, interface: null }],
      [
        ResourceType.APPLICATION,
        { application: { startCommand: 'systemctl start pg', stopCommand: 'systemctl stop pg', user: 'postgres' } },
        { startCommand: 'systemctl start pg', stopCommand: 'systemctl stop pg', monitorCommand: null, user: 'postgres' },
      ],
      [ResourceType.VOLUME, { volume: { ref: 'nfs:/export/pg', mountPoint: '/var/lib/pg', fsType: 'nfs4' } }, { ref: 'nfs:/export/pg', mountPoint: '/var/lib/pg', fsType: 'nfs4' }],
    ])('creates a %s resource with its normalized spec, in no service, and logs resource.created', async (type, sub, stored) => {
      const r = await create(alice, { name: `r-${type.toLowerCase()}`, type, vm: undefined, ...sub, attributes: [{ key: 'tier', value: 'db' }] });
      expect(r).toMatchObject({ clusterId: c1, type, spec: stored, serviceId: null, position: null, attributes: { tier: 'db' } });
      const [event] = await h.store.repos.events.find(alice, { objectId: r.id });
      expect(event).toMatchObject({ type: 'resource.created', objectType: 'Resource', clusterId: c1, after: expect.objectContaining({ name: r.name, spec: stored }) });
      // what the API shows: only the member of its type
      const shown = readResourceSpec(r.type, r.spec);
      expect(Object.keys(shown)).toEqual([{ VM: 'vm', IP: 'ip', APPLICATION: 'application', VOLUME: 'volume' }[type]]);
    });

    it('refuses the sub-input of another type on its field, a missing one, and bad values; writes nothing', async () => {
      const before = await snapshotOf(alice);
      const wrong = await errorOf(create(alice, { type: ResourceType.IP, vm: { hypervisorRef: 'x' }, ip: { address: '10.0.0.1', prefixLength: 24 } }));
      expect(wrong.code).toBe('BAD_USER_INPUT');
      expect(wrong.details).toEqual({ problems: [{ field: 'vm', message: 'only for resources of type VM; this one is IP' }] });
      const missing = await errorOf(create(alice, { type: ResourceType.VOLUME, vm: undefined }));
      expect(fieldsOf(missing)).toEqual(['volume']);
      const values = await errorOf(create(alice, { name: 'bad name', type: ResourceType.IP, vm: undefined, ip: { address: '10.0.0.1', prefixLength: 33 }, attributes: [{ key: '', value: '' }] }));
      expect(fieldsOf(values)).toEqual(['name', 'ip.prefixLength', 'attributes[0].key']);
      const type = await errorOf(create(alice, { type: 'DISK' as ResourceType }));
      expect(fieldsOf(type)).toEqual(['type']);
      expect(await snapshotOf(alice)).toBe(before);
    });

    it('refuses a name already in the cluster; the same name in another cluster is fine', async () => {
      await create(alice, { name: 'shared-name' });
      const before = await snapshotOf(alice);
      const err = await errorOf(create(alice, { name: 'shared-name' }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toBe('a resource named "shared-name" already exists in this cluster');
      expect(await snapshotOf(alice)).toBe(before);
      expect((await create(alice, { name: 'shared-name', clusterId: c2 })).clusterId).toBe(c2);
    });

    it("treats another tenant's cluster as a bad clusterId", async () => {
      const before = await snapshotOf(alice);
      const err = await errorOf(create(alice, { clusterId: bobCluster }));
      expect(fieldsOf(err)).toEqual(['clusterId']);
      expect(await snapshotOf(alice)).toBe(before);
      expect(await h.store.repos.resources.count(bob)).toBe(0);
    });

    it('answers QUOTA_EXCEEDED at the resource quota and writes nothing', async () => {
      const tight = new ResourceService(h.store, new QuotaService({ ...DEFAULT_TENANT_QUOTA, maxResources: 2 }));
      const cc = (await h.clusters.create(carol, { name: 'c', hypervisor: Hypervisor.KVM })).id;
      for (const name of ['a', 'b']) await tight.create(carol, { clusterId: cc, name, type: ResourceType.VM, vm: { hypervisorRef: name } });
      const before = await snapshotOf(carol);
      const err = await errorOf(tight.create(carol, { clusterId: cc, name: 'c', type: ResourceType.VM, vm: { hypervisorRef: 'c' } }));
      expect(err.code).toBe('QUOTA_EXCEEDED');
      expect(err.details).toEqual({ what: 'resources', limit: 2 });
      expect(await snapshotOf(carol)).toBe(before);
    });
  });

  describe('updateResource and attributes', () => {
    it('replaces the spec of its own type and logs before and after', async () => {
      const r = await create(alice, { type: ResourceType.IP, vm: undefined, ip: { address: '10.0.0.5', prefixLength: 24, interface: 'eth0' } });
      const updated = await h.resources.update(alice, { id: r.id, ip: { address: '10.0.0.6', prefixLength: 16 } });
      expect(updated.spec).toEqual({ address: '10.0.0.6', prefixLength: 16, interface: null });
      expect(updated.type).toBe(ResourceType.IP);
      const events = await h.store.repos.events.find(alice, { objectId: r.id });
      expect(events.map((e) => e.type)).toEqual(['resource.created', 'resource.updated']);
      expect(events[1]?.before).toMatchObject({ spec: { address: '10.0.0.5', prefixLength: 24, interface: 'eth0' } });
      expect(events[1]?.after).toMatchObject({ spec: { address: '10.0.0.6', prefixLength: 16, interface: null } });
    });

    it('refuses another type\'s spec (the type never changes) and a missing one, writing nothing', async () => {
      const r = await create(alice);
      const before = await snapshotOf(alice);
      const err = await errorOf(h.resources.update(alice, { id: r.id, application: { startCommand: 'a', stopCommand: 'b' } }));
      expect(fieldsOf(err).sort()).toEqual(['application', 'vm']);
      expect(fieldsOf(await errorOf(h.resources.update(alice, { id: r.id })))).toEqual(['vm']);
      expect(await snapshotOf(alice)).toBe(before);
    });

    it('sets and unsets attributes with a log entry', async () => {
      const r = await create(alice, { attributes: [{ key: 'a', value: '1' }] });
      const saved = await h.resources.setAttributes(alice, r.id, { set: [{ key: 'b', value: '2' }], unset: ['a'] });
      expect(saved.attributes).toEqual({ b: '2' });
      const events = await h.store.repos.events.find(alice, { objectId: r.id });
      expect(events[1]).toMatchObject({ type: 'resource.attributes_changed', before: { attributes: { a: '1' } }, after: { attributes: { b: '2' } } });
    });
  });

  describe('destroyResource', () => {
    it('destroys a resource in no service and logs its last state', async () => {
      const r = await create(alice);
      const gone = await h.resources.destroy(alice, r.id, false);
      expect(gone.id).toBe(r.id);
      expect(await h.store.repos.resources.findById(alice, r.id)).toBeNull();
      const events = await h.store.repos.events.find(alice, { objectId: r.id });
      expect(events.map((e) => e.type)).toEqual(['resource.created', 'resource.destroyed']);
      expect(events[1]?.before).toMatchObject({ name: r.name });
    });

    it('is a CONFLICT while it belongs to a service unless forced', async () => {
      const service = await createService(h, alice, c1, 'web');
      const r = await assign(alice, await create(alice), service.id, 0);
      const before = await snapshotOf(alice);
      const err = await errorOf(h.resources.destroy(alice, r.id, false));
      expect(err.code).toBe('CONFLICT');
      expect(err.details).toEqual({ service: 'web', serviceId: service.id });
      expect(await snapshotOf(alice)).toBe(before);

      await h.resources.destroy(alice, r.id, true);
      expect(await h.store.repos.resources.findById(alice, r.id)).toBeNull();
      const [event] = await h.store.repos.events.find(alice, { objectId: r.id, type: 'resource.destroyed' });
      expect(event).toMatchObject({ serviceId: service.id, message: 'forced: removed from its service' });
    });

    it('closes the gap in its service when forced: the others keep their order as 0..n-1', async () => {
      // a cluster of its own, so the other tests' pictures of c1 and c2 stay as they were
      const gap = (await h.clusters.create(alice, { name: 'gap-cluster', hypervisor: Hypervisor.KVM })).id;
      const service = await createService(h, alice, gap, 'gapless');
      const a = await assign(alice, await create(alice, { clusterId: gap }), service.id, 0);
      const b = await assign(alice, await create(alice, { clusterId: gap }), service.id, 1);
      const c = await assign(alice, await create(alice, { clusterId: gap }), service.id, 2);
      await h.resources.destroy(alice, b.id, true);
      const left = await h.store.repos.resources.find(alice, { serviceId: service.id }, { position: 'ASC' });
      expect(left.map((r) => [r.id, r.position])).toEqual([
        [a.id, 0],
        [c.id, 1],
      ]);
    });
  });

  describe("another tenant's resource", () => {
    it('reads as NOT_FOUND for every operation, and nothing changes', async () => {
      const r = await create(alice);
      const before = await snapshotOf(alice);
      for (const attempt of [
        h.resources.get(bob, r.id),
        h.resources.update(bob, { id: r.id, vm: { hypervisorRef: 'stolen' } }),
        h.resources.setAttributes(bob, r.id, { set: [{ key: 'x', value: 'y' }] }),
        h.resources.destroy(bob, r.id, true),
      ]) {
        const err = await errorOf(attempt);
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe(`Resource ${r.id} not found`);
      }
      expect(await h.resources.byIds(bob, [r.id])).toEqual([]);
      expect(await snapshotOf(alice)).toBe(before);
    });
  });

  describe('queries', () => {
    let qc: string;
    let vm1: ResourceEntity;
    let ip1: ResourceEntity;
    let vm2: ResourceEntity;
    let serviceId: string;

    beforeAll(async () => {
      qc = (await h.clusters.create(alice, { name: 'q', hypervisor: Hypervisor.KVM })).id;
      serviceId = (await createService(h, alice, qc, 'app')).id;
      vm1 = await create(alice, { clusterId: qc });
      ip1 = await assign(alice, await create(alice, { clusterId: qc, type: ResourceType.IP, vm: undefined, ip: { address: '10.1.0.1', prefixLength: 24 } }), serviceId, 0);
      vm2 = await assign(alice, await create(alice, { clusterId: qc }), serviceId, 1);
    });

    it('filters by cluster, type, service and assignment, and pages by cursor', async () => {
      const ids = async (filter: Parameters<ResourceService['page']>[1], first = 50) => (await h.resources.page(alice, filter, { first })).rows.map((r) => r.id);
      expect(await ids({ clusterId: qc })).toEqual([vm1.id, ip1.id, vm2.id]);
      expect(await ids({ clusterId: qc, type: ResourceType.VM })).toEqual([vm1.id, vm2.id]);
      expect(await ids({ serviceId })).toEqual([ip1.id, vm2.id]);
      expect(await ids({ clusterId: qc, unassigned: true })).toEqual([vm1.id]);
      expect(await ids({ clusterId: qc, unassigned: false, type: ResourceType.VM })).toEqual([vm2.id]);
      expect(await ids({ clusterId: qc, unassigned: false }, 1)).toEqual([ip1.id]);
      const page = await h.resources.page(alice, { clusterId: qc, unassigned: false }, { first: 1, after: ip1.id });
      expect(page).toEqual({ rows: [expect.objectContaining({ id: vm2.id })], hasNextPage: false });
      const contradiction = await errorOf(h.resources.page(alice, { serviceId, unassigned: true }, { first: 1 }));
      expect(fieldsOf(contradiction)).toEqual(['filter.unassigned']);
    });

    it('pages many clusters in a fixed number of statements, filtered or not', async () => {
      const clusterIds = [qc, c1, c2, bobCluster];
      const counted = <T>(fn: () => Promise<T>) => queryCounter.run(async () => ({ value: await fn(), statements: queryCounter.current() }));
      const plain = await counted(() => h.resources.pageByClusters(alice, clusterIds, {}, { first: 2 }));
      expect(plain.statements).toBeLessThanOrEqual(2);
      expect(plain.value[0]).toEqual({ rows: [expect.objectContaining({ id: vm1.id }), expect.objectContaining({ id: ip1.id })], hasNextPage: true });
      expect(plain.value[3]).toEqual({ rows: [], hasNextPage: false });
      const filtered = await h.resources.pageByClusters(alice, clusterIds, { type: ResourceType.VM, unassigned: false }, { first: 5 });
      expect(filtered.map((p) => p.rows.map((r) => r.id))).toEqual([[vm2.id], [], [], []]);
    });

    it('filters batched pages in SQL: type, service, assignment, cursor and hasNextPage of the matching rows', async () => {
      const ids = async (filter: Parameters<ResourceService['pageByClusters']>[2], args: Parameters<ResourceService['pageByClusters']>[3] = { first: 10 }) =>
        (await h.resources.pageByClusters(alice, [qc, bobCluster], filter, args)).map((p) => ({ ids: p.rows.map((r) => r.id), more: p.hasNextPage }));
      const none = { ids: [], more: false };
      expect(await ids({ unassigned: true })).toEqual([{ ids: [vm1.id], more: false }, none]);
      expect(await ids({ unassigned: false })).toEqual([{ ids: [ip1.id, vm2.id], more: false }, none]);
      expect(await ids({ serviceId })).toEqual([{ ids: [ip1.id, vm2.id], more: false }, none]);
      expect(await ids({ serviceId, unassigned: false, type: ResourceType.IP })).toEqual([{ ids: [ip1.id], more: false }, none]);
      expect(await ids({ type: ResourceType.VM }, { first: 1 })).toEqual([{ ids: [vm1.id], more: true }, none]);
      // the page limit counts matching rows only: ip1 is no "next" of vm1 among the VMs
      expect(await ids({ type: ResourceType.VM }, { first: 1, after: vm1.id })).toEqual([{ ids: [vm2.id], more: false }, none]);
      expect(await ids({ unassigned: false }, { first: 1 })).toEqual([{ ids: [ip1.id], more: true }, none]);
      const contradiction = await errorOf(h.resources.pageByClusters(alice, [qc], { serviceId, unassigned: true }, { first: 1 }));
      expect(fieldsOf(contradiction)).toEqual(['filter.unassigned']);
      // unassigned rows of other clusters stay unassigned rows: c2 has resources and no service
      const c2Page = (await h.resources.pageByClusters(alice, [c2], { unassigned: true }, { first: 50 }))[0];
      expect(c2Page?.rows.length).toBeGreaterThan(0);
      expect(c2Page?.rows.every((r) => r.serviceId === null && r.clusterId === c2)).toBe(true);
      expect(await h.resources.pageByClusters(alice, [c2], { unassigned: false }, { first: 50 })).toEqual([{ rows: [], hasNextPage: false }]);
      expect(await h.resources.page(alice, { clusterId: c2, unassigned: false }, { first: 50 })).toEqual({ rows: [], hasNextPage: false });
    });

    it('pages filtered batches in a number of statements that grows neither with clusters nor with rows', async () => {
      const counted = <T>(fn: () => Promise<T>) => queryCounter.run(async () => ({ value: await fn(), statements: queryCounter.current() ?? -1 }));
      const grow = (await h.clusters.create(alice, { name: 'q-grow', hypervisor: Hypervisor.KVM })).id;
      const growService = (await createService(h, alice, grow, 'grow-app')).id;
      const filters = [{ unassigned: false }, { unassigned: true, type: ResourceType.VM }, { serviceId: growService }];
      // one matching row per filter to begin with, so both measures read rows
      await assign(alice, await create(alice, { clusterId: grow }), growService, 0);
      const small = await Promise.all(filters.map((f) => counted(() => h.resources.pageByClusters(alice, [qc, grow], f, { first: 10 }))));
      for (let i = 0; i < 4; i++) await create(alice, { clusterId: grow });
      for (let i = 1; i < 5; i++) await assign(alice, await create(alice, { clusterId: grow }), growService, i);
      await createService(h, alice, c1, 'grow-other');
      const large = await Promise.all(filters.map((f) => counted(() => h.resources.pageByClusters(alice, [qc, grow, c1, c2, bobCluster], f, { first: 3 }))));
      expect(large[0]?.value[1]).toEqual({ rows: [expect.objectContaining({ serviceId: growService }), expect.anything(), expect.anything()], hasNextPage: true });
      expect(large[1]?.value[1]?.rows.every((r) => r.serviceId === null && r.type === ResourceType.VM)).toBe(true);
      expect(large[1]?.value[1]?.hasNextPage).toBe(true);
      expect(large[2]?.value.map((p) => p.rows.length)).toEqual([0, 3, 0, 0, 0]);
      // "assigned" reads the clusters' service ids (no NOT NULL operator yet), then pages: 3 at most
      expect(small.map((r) => r.statements)).toEqual(large.map((r) => r.statements));
      expect(Math.max(...large.map((r) => r.statements))).toBeLessThanOrEqual(3);
    });
  });
});
