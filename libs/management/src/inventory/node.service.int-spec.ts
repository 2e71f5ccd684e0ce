import { DEFAULT_TENANT_QUOTA, Hypervisor, NodeKind, NodeStatus, ServiceState } from '@haaas/domain';
import { queryCounter } from '@haaas/persistence';
import type { NodeEntity } from '@haaas/persistence';
import { QuotaService } from '../quota.service';
import { alice, bob, carol, createService, errorOf, fieldsOf, type Harness } from '../testing/management.harness';
import { NEW_PASSWORD, type NodeWorld, PASSWORD, startNodeWorld } from '../testing/node.fixtures';
import { NodeService } from './node.service';

describe('NodeService on MariaDB', () => {
  let h: Harness;
  let kvm: string;
  let vsphere: string;
  let bobCluster: string;
  let join: NodeWorld['join'];
  let snapshotOf: NodeWorld['snapshotOf'];
  let eventsOf: NodeWorld['eventsOf'];

  beforeAll(async () => {
    ({ h, kvm, vsphere, bobCluster, join, snapshotOf, eventsOf } = await startNodeWorld());
  });

  afterAll(() => h?.close());

  describe('joinNode', () => {
    it('joins OFFLINE with a lower-case host name, and logs node.joined', async () => {
      const node = await join(alice, {
        hostname: 'KVM-01.Example.com',
        kind: NodeKind.VIRTUAL,
        checkAddress: 'GW.example.com',
        attributes: [{ key: 'rack', value: 'r12' }],
      });
      expect(node).toMatchObject({
        clusterId: kvm,
        hostname: 'kvm-01.example.com',
        kind: NodeKind.VIRTUAL,
        status: NodeStatus.OFFLINE,
        maintenance: false,
        endpointUri: 'qemu+ssh://root@kvm.example.com/system',
        endpointUsername: 'root',
        endpointSecret: null,
        checkAddress: 'gw.example.com',
        cpus: 32,
        memoryMb: 131072,
        attributes: { rack: 'r12' },
      });
      const [event] = await eventsOf(alice, node.id);
      expect(event).toMatchObject({ type: 'node.joined', objectType: 'Node', nodeId: node.id, clusterId: kvm, actor: 'alice@example.com', before: null });
      expect(event?.after).toMatchObject({ hostname: 'kvm-01.example.com', endpointHasPassword: false });
      expect(event?.after).not.toHaveProperty('endpointSecret');
    });

    it('seals the password: never in the returned row, the event or the database column in clear', async () => {
      const node = await join(alice, { endpoint: { uri: 'qemu+tls://kvm9.example.com/system', username: 'admin', password: PASSWORD } });
      expect(JSON.stringify(node)).not.toContain(PASSWORD);
      expect(node.endpointSecret).toEqual(expect.any(String));

      const [row] = await h.sql<Record<string, unknown>>('SELECT * FROM nodes WHERE id = ?', [node.id]);
      expect(row?.['endpoint_secret']).toEqual(expect.any(String));
      expect(JSON.stringify(row)).not.toContain(PASSWORD);
      const events = await h.sql('SELECT * FROM events WHERE object_id = ?', [node.id]);
      expect(events).toHaveLength(1);
      expect(JSON.stringify(events)).not.toContain(PASSWORD);
      // not even sealed: the log is readable by every member of the tenant
      expect(JSON.stringify(events)).not.toContain(node.endpointSecret as string);
      expect(JSON.stringify(events)).toContain('"endpointHasPassword":true');

      // it opens for this node only: the sealing context binds tenant and node
      expect((await h.nodes.credentials(alice, node.id)).password).toBe(PASSWORD);
      expect(() => h.sealer.open(node.endpointSecret as string, `${alice.tenantId}:node:${kvm}`)).toThrow();
      expect(() => h.sealer.open(node.endpointSecret as string, `${bob.tenantId}:node:${node.id}`)).toThrow();
    });

    it('refuses bad input with every field path, and writes nothing', async () => {
      const before = await snapshotOf(alice);
      const err = await errorOf(
        join(alice, {
          hostname: 'kvm_01',
          kind: 'BLADE' as NodeKind,
          endpoint: { uri: 'https://kvm.example.com/', username: '', password: '' },
          capacity: { cpus: 0, memoryMb: 2 ** 31 },
          checkAddress: 'not an address',
          attributes: [{ key: 'bad key', value: 'x' }],
        }),
      );
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(fieldsOf(err).sort()).toEqual(
        ['hostname', 'kind', 'capacity.cpus', 'capacity.memoryMb', 'checkAddress', 'endpoint.uri', 'endpoint.username', 'endpoint.password', 'attributes[0].key'].sort(),
      );
      expect(await snapshotOf(alice)).toBe(before);
    });

    it('checks the endpoint scheme against the cluster hypervisor', async () => {
      const err = await errorOf(join(alice, { clusterId: vsphere, endpoint: { uri: 'qemu+ssh://root@esx1/system' } }));
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.message).toContain('endpoint.uri: scheme "qemu+ssh" does not suit a VSPHERE cluster; use https');
      const ok = await join(alice, { clusterId: vsphere, hostname: 'esx1.example.com', endpoint: { uri: 'https://vcenter.example.com/sdk', username: 'administrator@vsphere.local', password: PASSWORD } });
      expect(ok.endpointUri).toBe('https://vcenter.example.com/sdk');
    });

    it('refuses a password inside the URI without echoing it', async () => {
      const err = await errorOf(join(alice, { clusterId: vsphere, endpoint: { uri: `https://admin:${PASSWORD}@vcenter.example.com/sdk` } }));
      expect(fieldsOf(err)).toEqual(['endpoint.uri']);
      expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(PASSWORD);
    });

    it("treats another tenant's cluster as a bad clusterId, and writes nothing", async () => {
      const before = await snapshotOf(alice);
      const err = await errorOf(join(alice, { clusterId: bobCluster }));
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(fieldsOf(err)).toEqual(['clusterId']);
      expect(await snapshotOf(alice)).toBe(before);
      expect(await h.store.repos.nodes.count(bob)).toBe(0);
    });

    it('refuses a host name already in the tenant (any case, any cluster), naming its cluster', async () => {
      await join(alice, { hostname: 'dup.example.com' });
      const before = await snapshotOf(alice);
      const err = await errorOf(join(alice, { clusterId: vsphere, hostname: 'DUP.example.com', endpoint: { uri: 'https://vc/sdk' } }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toBe('a node with host name "dup.example.com" already exists in cluster "kvm"');
      expect(await snapshotOf(alice)).toBe(before);
      // host names are unique per tenant, not globally
      const bobs = await join(bob, { clusterId: bobCluster, hostname: 'dup.example.com' });
      expect(bobs.hostname).toBe('dup.example.com');
    });

    it('answers QUOTA_EXCEEDED at the node quota and writes nothing', async () => {
      const tight = new NodeService(h.store, new QuotaService({ ...DEFAULT_TENANT_QUOTA, maxNodes: 1 }), h.sealer);
      const carolCluster = (await h.clusters.create(carol, { name: 'c', hypervisor: Hypervisor.KVM })).id;
      await tight.join(carol, { clusterId: carolCluster, hostname: 'one', kind: NodeKind.PHYSICAL, endpoint: { uri: 'qemu:///system' }, capacity: { cpus: 1, memoryMb: 1 } });
      const before = await snapshotOf(carol);
      const err = await errorOf(
        tight.join(carol, { clusterId: carolCluster, hostname: 'two', kind: NodeKind.PHYSICAL, endpoint: { uri: 'qemu:///system' }, capacity: { cpus: 1, memoryMb: 1 } }),
      );
      expect(err.code).toBe('QUOTA_EXCEEDED');
      expect(err.details).toEqual({ what: 'nodes', limit: 1 });
      expect(await snapshotOf(carol)).toBe(before);
    });
  });

  describe('updateNode', () => {
    it('changes capacity, check address and endpoint, and logs before and after', async () => {
      const node = await join(alice, { checkAddress: '10.0.0.1' });
      const updated = await h.nodes.update(alice, {
        id: node.id,
        capacity: { cpus: 64, memoryMb: 262144 },
        checkAddress: null,
        endpoint: { uri: 'qemu+ssh://root@kvm.example.com/session', username: null },
      });
      expect(updated).toMatchObject({ cpus: 64, memoryMb: 262144, checkAddress: null, endpointUri: 'qemu+ssh://root@kvm.example.com/session', endpointUsername: null });
      const events = await eventsOf(alice, node.id);
      expect(events.map((e) => e.type)).toEqual(['node.joined', 'node.updated']);
      expect(events[1]?.before).toMatchObject({ cpus: 32, checkAddress: '10.0.0.1', endpointUsername: 'root' });
      expect(events[1]?.after).toMatchObject({ cpus: 64, checkAddress: null, endpointUsername: null });
    });

    it('keeps fields that are not given', async () => {
      const node = await join(alice, { checkAddress: '10.0.0.2', endpoint: { uri: 'qemu+ssh://kvm.example.com/system', username: 'root', password: PASSWORD } });
      const updated = await h.nodes.update(alice, { id: node.id, capacity: { cpus: 8, memoryMb: 8192 } });
      expect(updated).toMatchObject({ checkAddress: '10.0.0.2', endpointUsername: 'root', endpointUri: 'qemu+ssh://kvm.example.com/system' });
      expect((await h.nodes.credentials(alice, node.id)).password).toBe(PASSWORD);
    });

    it('replaces and clears the password, logging that it changed but never the value', async () => {
      const node = await join(alice, { endpoint: { uri: 'qemu+ssh://kvm.example.com/system', password: PASSWORD } });
      await h.nodes.update(alice, { id: node.id, endpoint: { password: NEW_PASSWORD } });
      expect((await h.nodes.credentials(alice, node.id)).password).toBe(NEW_PASSWORD);
      const cleared = await h.nodes.update(alice, { id: node.id, endpoint: { clearPassword: true } });
      expect(cleared.endpointSecret).toBeNull();
      expect((await h.nodes.credentials(alice, node.id)).password).toBeNull();

      const events = await eventsOf(alice, node.id);
      expect(events.map((e) => e.message)).toEqual([null, 'endpoint password replaced', 'endpoint password cleared']);
      expect(events[2]?.after).toMatchObject({ endpointHasPassword: false });
      const raw = JSON.stringify([await h.sql('SELECT * FROM events WHERE object_id = ?', [node.id]), await h.sql('SELECT * FROM nodes WHERE id = ?', [node.id])]);
      expect(raw).not.toContain(PASSWORD);
      expect(raw).not.toContain(NEW_PASSWORD);
    });

    it('does not let a stored password follow the endpoint to another host unasked', async () => {
      const node = await join(alice, { endpoint: { uri: 'qemu+ssh://kvm.example.com/system', password: PASSWORD } });
      const before = await snapshotOf(alice);
      const err = await errorOf(h.nodes.update(alice, { id: node.id, endpoint: { uri: 'qemu+ssh://attacker.example.net/system' } }));
      expect(fieldsOf(err)).toEqual(['endpoint.password']);
      expect(await snapshotOf(alice)).toBe(before);
      // given again, it moves
      const moved = await h.nodes.update(alice, { id: node.id, endpoint: { uri: 'qemu+ssh://kvm2.example.com/system', password: NEW_PASSWORD } });
      expect(moved.endpointUri).toBe('qemu+ssh://kvm2.example.com/system');
      expect((await h.nodes.credentials(alice, node.id)).password).toBe(NEW_PASSWORD);
    });

    it('refuses a wrong scheme, an invalid capacity, and password with clearPassword, writing nothing', async () => {
      const node = await join(alice);
      const before = await snapshotOf(alice);
      const scheme = await errorOf(h.nodes.update(alice, { id: node.id, endpoint: { uri: 'https://kvm.example.com/' } }));
      expect(fieldsOf(scheme)).toEqual(['endpoint.uri']);
      const both = await errorOf(h.nodes.update(alice, { id: node.id, capacity: { cpus: 5000, memoryMb: 1 }, endpoint: { password: 'x', clearPassword: true } }));
      expect(fieldsOf(both)).toEqual(['capacity.cpus', 'endpoint.clearPassword']);
      expect(await snapshotOf(alice)).toBe(before);
    });
  });

  describe('attributes and maintenance', () => {
    it('sets and unsets attributes, logging both maps', async () => {
      const node = await join(alice, { attributes: [{ key: 'rack', value: 'r1' }, { key: 'row', value: 'b' }] });
      const saved = await h.nodes.setAttributes(alice, node.id, { set: [{ key: 'rack', value: 'r2' }], unset: ['row'] });
      expect(saved.attributes).toEqual({ rack: 'r2' });
      const [, event] = await eventsOf(alice, node.id);
      expect(event).toMatchObject({ type: 'node.attributes_changed', before: { attributes: { rack: 'r1', row: 'b' } }, after: { attributes: { rack: 'r2' } } });
      const err = await errorOf(h.nodes.setAttributes(alice, node.id, { set: [{ key: '', value: 'x' }] }));
      expect(fieldsOf(err)).toEqual(['change.set[0].key']);
    });

    it('turns maintenance on (MAINTENANCE) and off (OFFLINE); repeating a state logs nothing', async () => {
      const node = await join(alice);
      const on = await h.nodes.setMaintenance(alice, node.id, true);
      expect(on).toMatchObject({ maintenance: true, status: NodeStatus.MAINTENANCE });
      await h.nodes.setMaintenance(alice, node.id, true);
      const off = await h.nodes.setMaintenance(alice, node.id, false);
      expect(off).toMatchObject({ maintenance: false, status: NodeStatus.OFFLINE });
      const events = await eventsOf(alice, node.id);
      expect(events.map((e) => [e.type, e.after])).toEqual([
        ['node.joined', expect.anything()],
        ['node.maintenance_changed', { maintenance: true, status: 'MAINTENANCE' }],
        ['node.maintenance_changed', { maintenance: false, status: 'OFFLINE' }],
      ]);
    });
  });

  describe("another tenant's node", () => {
    it('reads as NOT_FOUND for every operation, and nothing changes', async () => {
      const node = await join(alice, { endpoint: { uri: 'qemu+ssh://kvm.example.com/system', password: PASSWORD } });
      const before = await snapshotOf(alice);
      const attempts = [
        h.nodes.get(bob, node.id),
        h.nodes.credentials(bob, node.id),
        h.nodes.update(bob, { id: node.id, capacity: { cpus: 1, memoryMb: 1 } }),
        h.nodes.setAttributes(bob, node.id, { set: [{ key: 'owned', value: 'yes' }] }),
        h.nodes.setMaintenance(bob, node.id, true),
        h.nodes.leave(bob, node.id, true),
      ];
      for (const attempt of attempts) {
        const err = await errorOf(attempt);
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toBe(`Node ${node.id} not found`);
      }
      expect(await h.nodes.byIds(bob, [node.id])).toEqual([]);
      expect((await h.nodes.page(bob, {}, { first: 50 })).rows.map((n) => n.id)).not.toContain(node.id);
      expect(await snapshotOf(alice)).toBe(before);
    });
  });

  describe('leaveNode', () => {
    let leaveCluster: string;

    beforeAll(async () => {
      leaveCluster = (await h.clusters.create(alice, { name: 'leave', hypervisor: Hypervisor.KVM })).id;
    });

    const makeService = (nodeId: string | null, name: string) => createService(h, alice, leaveCluster, name, { state: ServiceState.STARTED, currentNodeId: nodeId });

    const makeDomain = async (name: string, members: { nodeId: string; priority: number }[]) => {
      const domain = await h.store.transaction((repos) => repos.failoverDomains.create(alice, { clusterId: leaveCluster, name, ordered: true, restricted: false, nofailback: false }));
      await h.store.transaction((repos) => repos.domainMembers.replace(alice, domain.id, members));
      return domain;
    };

    it('removes a free node and logs node.left with its snapshot, without the secret', async () => {
      const node = await join(alice, { clusterId: leaveCluster, endpoint: { uri: 'qemu+ssh://kvm.example.com/system', password: PASSWORD } });
      const left = await h.nodes.leave(alice, node.id, false);
      expect(left.id).toBe(node.id);
      expect(await h.store.repos.nodes.findById(alice, node.id)).toBeNull();
      const events = await eventsOf(alice, node.id);
      expect(events.map((e) => e.type)).toEqual(['node.joined', 'node.left']);
      expect(events[1]?.before).toMatchObject({ hostname: node.hostname, endpointHasPassword: true });
      expect(events[1]?.before).not.toHaveProperty('endpointSecret');
      expect(JSON.stringify(await h.sql('SELECT * FROM events WHERE object_id = ?', [node.id]))).not.toContain(PASSWORD);
    });

    it('is a CONFLICT while a service runs on it or a domain lists it, and changes nothing', async () => {
      const busy = await join(alice, { clusterId: leaveCluster });
      await makeService(busy.id, 'web');
      const listed = await join(alice, { clusterId: leaveCluster });
      await makeDomain('prefer-listed', [{ nodeId: listed.id, priority: 1 }]);
      const before = await snapshotOf(alice);

      const e1 = await errorOf(h.nodes.leave(alice, busy.id, false));
      expect(e1.code).toBe('CONFLICT');
      expect(e1.details).toEqual({ services: ['web'], failoverDomains: [] });
      const e2 = await errorOf(h.nodes.leave(alice, listed.id, false));
      expect(e2.code).toBe('CONFLICT');
      expect(e2.details).toEqual({ services: [], failoverDomains: ['prefer-listed'] });
      expect(await snapshotOf(alice)).toBe(before);
    });

    it('when forced, takes the node out of its domains and services, logging each change', async () => {
      const node = await join(alice, { clusterId: leaveCluster });
      const peer = await join(alice, { clusterId: leaveCluster });
      const service = await makeService(node.id, 'db');
      const elsewhere = await makeService(peer.id, 'cache');
      const domain = await makeDomain('db-domain', [
        { nodeId: node.id, priority: 1 },
        { nodeId: peer.id, priority: 2 },
      ]);

      await h.nodes.leave(alice, node.id, true);

      expect(await h.store.repos.nodes.findById(alice, node.id)).toBeNull();
      expect((await h.store.repos.domainMembers.forDomains(alice, [domain.id])).map((m) => [m.nodeId, m.priority])).toEqual([[peer.id, 2]]);
      expect((await h.store.repos.services.get(alice, service.id)).currentNodeId).toBeNull();
      expect((await h.store.repos.services.get(alice, elsewhere.id)).currentNodeId).toBe(peer.id);

      const events = await h.store.repos.events.find(alice, { nodeId: node.id });
      expect(events.map((e) => [e.type, e.objectId])).toEqual([
        ['node.joined', node.id],
        ['failover_domain.members_changed', domain.id],
        ['service.node_cleared', service.id],
        ['node.left', node.id],
      ]);
      expect(events[1]?.after).toEqual({ members: [{ nodeId: peer.id, priority: 2 }] });
      expect(events[2]).toMatchObject({ serviceId: service.id, before: { currentNodeId: node.id }, after: { currentNodeId: null } });
      expect(events[3]?.message).toBe('forced');
    });
  });

  describe('queries', () => {
    let qc: string;
    let q1: NodeEntity;
    let q2: NodeEntity;
    let q3: NodeEntity;

    beforeAll(async () => {
      qc = (await h.clusters.create(alice, { name: 'query', hypervisor: Hypervisor.KVM })).id;
      q1 = await join(alice, { clusterId: qc, hostname: 'alpha-1.lab' });
      q2 = await join(alice, { clusterId: qc, hostname: 'alpha-2.lab', kind: NodeKind.VIRTUAL });
      q3 = await join(alice, { clusterId: qc, hostname: 'beta-1.lab' });
      await h.nodes.setMaintenance(alice, q3.id, true);
    });

    it('filters by cluster, status, kind, host name and maintenance, and pages by cursor', async () => {
      const ids = async (filter: Parameters<NodeService['page']>[1]) => (await h.nodes.page(alice, filter, { first: 50 })).rows.map((n) => n.id);
      expect(await ids({ clusterId: qc })).toEqual([q1.id, q2.id, q3.id]);
      expect(await ids({ clusterId: qc, status: NodeStatus.MAINTENANCE })).toEqual([q3.id]);
      expect(await ids({ clusterId: qc, kind: NodeKind.VIRTUAL })).toEqual([q2.id]);
      expect(await ids({ hostnameContains: 'ALPHA' })).toEqual([q1.id, q2.id]);
      expect(await ids({ clusterId: qc, maintenance: false })).toEqual([q1.id, q2.id]);
      expect(await ids({ hostnameContains: 'a%' })).toEqual([]);
      const first = await h.nodes.page(alice, { clusterId: qc }, { first: 2 });
      expect(first.hasNextPage).toBe(true);
      const next = await h.nodes.page(alice, { clusterId: qc }, { first: 2, after: first.rows[1]?.id });
      expect(next).toEqual({ rows: [expect.objectContaining({ id: q3.id })], hasNextPage: false });
    });

    it('pages many clusters in a fixed number of statements, filtered or not', async () => {
      const clusterIds = [qc, kvm, vsphere, bobCluster];
      const plain = await queryCounter.run(async () => {
        const pages = await h.nodes.pageByClusters(alice, clusterIds, {}, { first: 2 });
        expect(pages[0]).toEqual({ rows: [expect.objectContaining({ id: q1.id }), expect.objectContaining({ id: q2.id })], hasNextPage: true });
        expect(pages[3]).toEqual({ rows: [], hasNextPage: false }); // bob's cluster: nothing of his leaks to alice
        return queryCounter.current();
      });
      expect(plain).toBeLessThanOrEqual(2);
      const filtered = await h.nodes.pageByClusters(alice, clusterIds, { hostnameContains: 'alpha', kind: NodeKind.VIRTUAL }, { first: 10 });
      expect(filtered[0]?.rows.map((n) => n.id)).toEqual([q2.id]);
      expect(filtered.slice(1).every((p) => p.rows.length === 0)).toBe(true);
    });

    it('filters batched pages in SQL: every filter, wildcards taken literally, cursor and hasNextPage of the matching rows', async () => {
      const ids = async (filter: Parameters<NodeService['pageByClusters']>[2], args: Parameters<NodeService['pageByClusters']>[3] = { first: 10 }) =>
        (await h.nodes.pageByClusters(alice, [qc, bobCluster], filter, args)).map((p) => ({ ids: p.rows.map((n) => n.id), more: p.hasNextPage }));
      expect(await ids({ status: NodeStatus.MAINTENANCE })).toEqual([{ ids: [q3.id], more: false }, { ids: [], more: false }]);
      expect(await ids({ maintenance: true })).toEqual([{ ids: [q3.id], more: false }, { ids: [], more: false }]);
      expect(await ids({ kind: NodeKind.PHYSICAL, hostnameContains: 'ALPHA' })).toEqual([{ ids: [q1.id], more: false }, { ids: [], more: false }]);
      expect(await ids({ hostnameContains: 'a%' })).toEqual([{ ids: [], more: false }, { ids: [], more: false }]);
      expect(await ids({ hostnameContains: '_lpha' })).toEqual([{ ids: [], more: false }, { ids: [], more: false }]);
      // the page limit counts matching rows only: q3 (in maintenance) is no "next" of q1, q2
      expect(await ids({ maintenance: false }, { first: 1 })).toEqual([{ ids: [q1.id], more: true }, { ids: [], more: false }]);
      expect(await ids({ maintenance: false }, { first: 1, after: q1.id })).toEqual([{ ids: [q2.id], more: false }, { ids: [], more: false }]);
      expect(await ids({ maintenance: false }, { first: 2 })).toEqual([{ ids: [q1.id, q2.id], more: false }, { ids: [], more: false }]);
    });

    it('pages filtered batches in a number of statements that grows neither with clusters nor with rows', async () => {
      const filter = { status: NodeStatus.OFFLINE, kind: NodeKind.PHYSICAL, hostnameContains: 'lab' };
      const grow = (await h.clusters.create(alice, { name: 'query-grow', hypervisor: Hypervisor.KVM })).id;
      const small = await h.statementsOf(() => h.nodes.pageByClusters(alice, [qc, grow], filter, { first: 10 }));
      for (let i = 0; i < 6; i++) await join(alice, { clusterId: grow, hostname: `grow-${i}.lab` });
      let pages: Awaited<ReturnType<NodeService['pageByClusters']>> = [];
      const large = await h.statementsOf(async () => (pages = await h.nodes.pageByClusters(alice, [qc, grow, kvm, vsphere, bobCluster], filter, { first: 4 })));
      expect(pages[0]?.rows.map((n) => n.id)).toEqual([q1.id]);
      expect(pages[1]?.rows.map((n) => n.hostname)).toEqual(['grow-0.lab', 'grow-1.lab', 'grow-2.lab', 'grow-3.lab']);
      expect(pages[1]?.hasNextPage).toBe(true);
      expect(small).toBeLessThanOrEqual(2);
      expect(large).toBe(small);
    });
  });
});
