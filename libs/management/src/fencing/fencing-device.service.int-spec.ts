import { Hypervisor } from '@haaas/domain';
import type { ClusterEntity, FencingDeviceEntity, NodeEntity } from '@haaas/persistence';
import { alice, aliceReader, bob, createCluster, createNode, failure, Harness, startHarness } from '../testing/management.harness';
import { fencingAssociationSecretContext, fencingDeviceSecretContext, openFencingSecrets } from './sealed-options.codec';

const PASSWORD = 'Pa55-w0rd-do-not-leak';
const KEY_PATH = '/etc/haaas/keys/very-secret-identity';
const NEW_PASSWORD = 'n3w-Pa55-also-secret';
const PLUG_SECRET = 'plug-community-s3cret';
const SECRETS = [PASSWORD, KEY_PATH, NEW_PASSWORD, PLUG_SECRET];

/** JSON columns come back parsed or as text, depending on the driver's view of the column. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('FencingDeviceService on MariaDB', () => {
  let h: Harness;
  let cluster: ClusterEntity;
  let otherCluster: ClusterEntity;
  let node1: NodeEntity;
  let node2: NodeEntity;
  let foreignNode: NodeEntity;
  let bobNode: NodeEntity;

  const eventsOf = (clusterId: string) => h.sql<{ type: string; object_id: string; node_id: string | null; before: unknown; after: unknown; message: string | null }>(
    'SELECT type, object_id, node_id, `before`, `after`, message FROM events WHERE cluster_id = ? ORDER BY id',
    [clusterId],
  );
  const counts = async () => {
    const [row] = await h.sql<{ d: number; a: number; e: number }>(
      'SELECT (SELECT COUNT(*) FROM fencing_devices) AS d, (SELECT COUNT(*) FROM fencing_associations) AS a, (SELECT COUNT(*) FROM events) AS e',
    );
    return { devices: Number(row?.d), associations: Number(row?.a), events: Number(row?.e) };
  };

  beforeAll(async () => {
    h = await startHarness();
    cluster = await createCluster(h, alice);
    otherCluster = await createCluster(h, alice);
    node1 = await createNode(h, alice, cluster.id);
    node2 = await createNode(h, alice, cluster.id);
    foreignNode = await createNode(h, alice, otherCluster.id);
    const bobCluster = await createCluster(h, bob);
    bobNode = await createNode(h, bob, bobCluster.id);
  });

  afterAll(() => h?.close());

  beforeEach(() => {
    h.catalog.answer = [];
  });

  async function addIpmi(name: string, clusterId = cluster.id): Promise<FencingDeviceEntity> {
    return h.devices.add(alice, {
      clusterId,
      name,
      agent: 'fence_ipmilan',
      options: [
        { key: 'ip', value: '10.0.0.10' },
        { key: 'username', value: 'admin' },
        { key: 'password', value: PASSWORD },
        { key: 'lanplus', value: '1' },
      ],
      secretOptions: [{ key: 'identity_file', value: KEY_PATH }],
    });
  }

  describe('adding a device', () => {
    let device: FencingDeviceEntity;

    beforeAll(async () => {
      device = await addIpmi('bmc-rack1');
    });

    it('stores clear options, moves secret-named ones to the sealed secrets and returns no secret', async () => {
      expect(device.options).toEqual({ ip: '10.0.0.10', lanplus: '1', username: 'admin' });
      expectNoSecret(device);
      const fetched = await h.devices.get(alice, device.id);
      expectNoSecret(fetched);
      expect(fetched.options).toEqual(device.options);
    });

    it('keeps the secrets encrypted in the column, bound to the tenant and the row', async () => {
      const [row] = await h.sql<{ options: string; secret_options: string }>('SELECT options, secret_options FROM fencing_devices WHERE id = ?', [device.id]);
      expect(row?.secret_options).toBeTruthy();
      expectNoSecret(row);
      expect(JSON.parse(row?.secret_options as string)).toMatchObject({ v: 1, keys: ['identity_file', 'password'] });
      expect(openFencingSecrets(h.sealer, fencingDeviceSecretContext('alice', device.id), row?.secret_options as string)).toEqual({ password: PASSWORD, identity_file: KEY_PATH });
      // the same ciphertext cannot be opened as another tenant's or another device's
      expect(() => openFencingSecrets(h.sealer, fencingDeviceSecretContext('bob', device.id), row?.secret_options as string)).toThrow();
    });

    it('logs the addition with the secret names only', async () => {
      const events = (await eventsOf(cluster.id)).filter((e) => e.object_id === device.id);
      expect(events.map((e) => e.type)).toEqual(['fencing_device.added']);
      expectNoSecret(events);
      const after = json(events[0]?.after) as Record<string, unknown>;
      expect(after).toMatchObject({ id: device.id, name: 'bmc-rack1', agent: 'fence_ipmilan', secretOptionKeys: ['identity_file', 'password'] });
      expect(after).not.toHaveProperty('secretOptions');
    });

    it('reads never decrypt', async () => {
      const opened = h.sealer.opened;
      await h.devices.get(alice, device.id);
      await h.devices.page(alice, { clusterId: cluster.id }, { first: 10 });
      await h.devices.byClusters(alice, [cluster.id, otherCluster.id], { first: 10 });
      await h.devices.byIds(alice, [device.id]);
      await h.devices.associationsOfDevices(alice, [device.id]);
      await h.devices.topologyOfNodes(alice, [node1.id]);
      expect(h.sealer.opened).toBe(opened);
    });

    it('answers CONFLICT for a name taken in the cluster, and allows it in another cluster', async () => {
      const before = await counts();
      expect(await failure(addIpmi('bmc-rack1'))).toMatchObject({ code: 'CONFLICT' });
      expect(await counts()).toEqual(before);
      const elsewhere = await addIpmi('bmc-rack1', otherCluster.id);
      expect(elsewhere.clusterId).toBe(otherCluster.id);
    });

    it('refuses bad input with every field named, and writes nothing', async () => {
      const before = await counts();
      const err = await failure(
        h.devices.add(alice, {
          clusterId: cluster.id,
          name: '-bad name',
          agent: 'fence_ipmilan; rm -rf /',
          options: [{ key: 'action', value: 'off' }, { key: 'ip', value: 'a\nb' }],
          secretOptions: [{ key: 'Password', value: 'x' }],
        }),
      );
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.problems?.map((p) => p.field).sort()).toEqual(['agent', 'name', 'options[0].key', 'options[1].value', 'secretOptions[0].key']);
      expect(err.message).not.toContain('a\nb');
      expect(await counts()).toEqual(before);
    });

    it('refuses a cluster of another tenant as BAD_USER_INPUT on clusterId', async () => {
      const before = await counts();
      const err = await failure(h.devices.add(bob, { clusterId: cluster.id, name: 'x', agent: 'fence_ipmilan' }));
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'clusterId', message: expect.any(String) }] });
      expect(await counts()).toEqual(before);
    });

    it('accepts the built-in agent of the cluster hypervisor only', async () => {
      const err = await failure(h.devices.add(alice, { clusterId: cluster.id, name: 'vc', agent: 'builtin:vsphere' }));
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'agent', message: expect.stringContaining('KVM') }] });
      const libvirt = await h.devices.add(alice, { clusterId: cluster.id, name: 'libvirt', agent: 'builtin:libvirt' });
      expect(libvirt.secretOptions).toBeNull();
      const vsphere = await createCluster(h, alice, Hypervisor.VSPHERE);
      await expect(h.devices.add(alice, { clusterId: vsphere.id, name: 'vc', agent: 'builtin:vsphere' })).resolves.toMatchObject({ agent: 'builtin:vsphere' });
    });

    it('asks the agent catalog and refuses what it refuses', async () => {
      h.catalog.answer = [{ field: 'options[0].key', message: 'fence_ipmilan has no parameter "colour"' }];
      const before = await counts();
      const err = await failure(h.devices.add(alice, { clusterId: cluster.id, name: 'cat', agent: 'fence_ipmilan', options: [{ key: 'colour', value: 'red' }] }));
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'options[0].key' }] });
      expect(await counts()).toEqual(before);
    });

    it('hides devices of other tenants (NOT_FOUND) and changes nothing for them', async () => {
      const before = await counts();
      expect(await failure(h.devices.get(bob, device.id))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(h.devices.setOptions(bob, { id: device.id, set: [{ key: 'ip', value: '6.6.6.6' }] }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(h.devices.delete(bob, device.id))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(h.devices.associate(bob, { deviceId: device.id, nodeId: bobNode.id, level: 1 }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(h.devices.deassociate(bob, device.id, node1.id))).toMatchObject({ code: 'NOT_FOUND' });
      expect((await h.devices.page(bob, {}, { first: 50 })).rows).toEqual([]);
      expect(await h.devices.byIds(bob, [device.id])).toEqual([]);
      expect(await counts()).toEqual(before);
      expect((await h.devices.get(alice, device.id)).options).toEqual(device.options);
    });
  });

  describe('changing options', () => {
    let device: FencingDeviceEntity;

    beforeAll(async () => {
      device = await addIpmi('bmc-rack2');
    });

    it('sets, removes and re-seals in one change, logging only the names of changed secrets', async () => {
      const saved = await h.devices.setOptions(alice, {
        id: device.id,
        set: [{ key: 'ip', value: '10.0.0.11' }],
        unset: ['lanplus'],
        setSecrets: [{ key: 'password', value: NEW_PASSWORD }],
        unsetSecrets: ['identity_file'],
      });
      expect(saved.options).toEqual({ ip: '10.0.0.11', username: 'admin' });
      expectNoSecret(saved);
      const [row] = await h.sql<{ secret_options: string }>('SELECT secret_options FROM fencing_devices WHERE id = ?', [device.id]);
      expectNoSecret(row);
      expect(openFencingSecrets(h.sealer, fencingDeviceSecretContext('alice', device.id), row?.secret_options as string)).toEqual({ password: NEW_PASSWORD });
      const [event] = (await eventsOf(cluster.id)).filter((e) => e.object_id === device.id && e.type === 'fencing_device.options_changed');
      expectNoSecret(event);
      expect(json(event?.before)).toEqual({ options: { ip: '10.0.0.10', lanplus: '1', username: 'admin' }, secretOptionKeys: ['identity_file', 'password'] });
      expect(json(event?.after)).toEqual({
        options: { ip: '10.0.0.11', username: 'admin' },
        secretOptionKeys: ['password'],
        changedSecretOptionKeys: ['identity_file', 'password'],
      });
      expect(event?.message).toBe('secret options changed: identity_file, password');
    });

    it('changes clear options without opening the secrets', async () => {
      const opened = h.sealer.opened;
      const saved = await h.devices.setOptions(alice, { id: device.id, set: [{ key: 'lanplus', value: '1' }] });
      expect(saved.options).toEqual({ ip: '10.0.0.11', lanplus: '1', username: 'admin' });
      expect(h.sealer.opened).toBe(opened);
      expect(openFencingSecrets(h.sealer, fencingDeviceSecretContext('alice', device.id), saved.secretOptions)).toEqual({ password: NEW_PASSWORD });
    });

    it('removes the sealed column when the last secret goes', async () => {
      const saved = await h.devices.setOptions(alice, { id: device.id, unset: ['password'] });
      expect(saved.secretOptions).toBeNull();
    });

    it('writes nothing and logs nothing for a change that changes nothing', async () => {
      const before = await counts();
      const current = await h.devices.get(alice, device.id);
      const same = await h.devices.setOptions(alice, { id: device.id, set: [{ key: 'ip', value: '10.0.0.11' }], unset: ['absent'] });
      expect(same.version).toBe(current.version);
      expect(await counts()).toEqual(before);
    });

    it('refuses bad changes with field paths and changes nothing', async () => {
      const before = await h.devices.get(alice, device.id);
      const err = await failure(h.devices.setOptions(alice, { id: device.id, set: [{ key: 'ip', value: '1.2.3.4' }], unset: ['ip'], setSecrets: [{ key: 'x', value: 'a\rb' }] }));
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.problems?.map((p) => p.field).sort()).toEqual(['setSecrets[0].value', 'unset[0]']);
      expect(await h.devices.get(alice, device.id)).toEqual(before);
    });

    it('answers NOT_FOUND for an unknown device', async () => {
      expect(await failure(h.devices.setOptions(alice, { id: '00000000-0000-7000-8000-000000000000', set: [] }))).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('associations and topology', () => {
    let bmc: FencingDeviceEntity;
    let pdu: FencingDeviceEntity;
    let redfish: FencingDeviceEntity;

    beforeAll(async () => {
      bmc = await addIpmi('bmc-rack3');
      pdu = await h.devices.add(alice, { clusterId: cluster.id, name: 'pdu', agent: 'fence_apc_snmp', options: [{ key: 'ip', value: '10.0.1.1' }] });
      redfish = await h.devices.add(alice, { clusterId: cluster.id, name: 'redfish', agent: 'fence_redfish' });
    });

    it('associates a node of the cluster at a level, with per-node options and sealed per-node secrets', async () => {
      const a = await h.devices.associate(alice, {
        deviceId: pdu.id,
        nodeId: node1.id,
        level: 2,
        options: [{ key: 'plug', value: '3' }],
        secretOptions: [{ key: 'community', value: PLUG_SECRET }],
      });
      expect(a).toMatchObject({ deviceId: pdu.id, nodeId: node1.id, level: 2, options: { plug: '3' } });
      expectNoSecret(a);
      const [row] = await h.sql<{ secret_options: string }>('SELECT secret_options FROM fencing_associations WHERE id = ?', [a.id]);
      expectNoSecret(row);
      expect(openFencingSecrets(h.sealer, fencingAssociationSecretContext('alice', a.id), row?.secret_options as string)).toEqual({ community: PLUG_SECRET });
      const [event] = (await eventsOf(cluster.id)).filter((e) => e.type === 'fencing_device.associated' && e.object_id === pdu.id);
      expect(event?.node_id).toBe(node1.id);
      expectNoSecret(event);
      expect(json(event?.after)).toMatchObject({ id: a.id, level: 2, secretOptionKeys: ['community'] });
    });

    it('builds the topology by level, batched for many nodes', async () => {
      await h.devices.associate(alice, { deviceId: bmc.id, nodeId: node1.id, level: 1, options: [{ key: 'ip', value: '10.0.0.21' }] });
      await h.devices.associate(alice, { deviceId: redfish.id, nodeId: node1.id, level: 2 });
      await h.devices.associate(alice, { deviceId: bmc.id, nodeId: node2.id, level: 1 });
      const [t1, t2] = await h.devices.topologyOfNodes(alice, [node1.id, node2.id]);
      expect(t1?.map((l) => [l.level, l.associations.map((a) => a.deviceId)])).toEqual([
        [1, [bmc.id]],
        [2, [pdu.id, redfish.id]],
      ]);
      expect(t2?.map((l) => [l.level, l.associations.map((a) => a.deviceId)])).toEqual([[1, [bmc.id]]]);
      const [ofBmc, ofPdu] = await h.devices.associationsOfDevices(alice, [bmc.id, pdu.id]);
      expect(ofBmc?.map((a) => a.nodeId).sort()).toEqual([node1.id, node2.id].sort());
      expect(ofPdu?.map((a) => a.nodeId)).toEqual([node1.id]);
      expect(await h.devices.topologyOfNodes(bob, [node1.id])).toEqual([[]]);
    });

    it('answers CONFLICT when the device already fences the node', async () => {
      const before = await counts();
      expect(await failure(h.devices.associate(alice, { deviceId: bmc.id, nodeId: node1.id, level: 3 }))).toMatchObject({ code: 'CONFLICT' });
      expect(await counts()).toEqual(before);
    });

    it('refuses nodes of another cluster or another tenant (BAD_USER_INPUT on nodeId) and bad levels', async () => {
      const before = await counts();
      for (const nodeId of [foreignNode.id, bobNode.id, 'no-such-node']) {
        expect(await failure(h.devices.associate(alice, { deviceId: redfish.id, nodeId, level: 1 }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'nodeId' }] });
      }
      for (const level of [0, 10, 1.5]) {
        expect(await failure(h.devices.associate(alice, { deviceId: redfish.id, nodeId: node2.id, level }))).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'level' }] });
      }
      expect(await failure(h.devices.associate(alice, { deviceId: redfish.id, nodeId: node2.id, level: 1, options: [{ key: 'o', value: 'off' }] }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'options[0].key' }],
      });
      expect(await counts()).toEqual(before);
    });

    it('deassociates, logging it on the node, then answers NOT_FOUND', async () => {
      const removed = await h.devices.deassociate(alice, redfish.id, node1.id);
      expect(removed).toMatchObject({ deviceId: redfish.id, nodeId: node1.id, level: 2 });
      const [t1] = await h.devices.topologyOfNodes(alice, [node1.id]);
      expect(t1?.map((l) => [l.level, l.associations.map((a) => a.deviceId)])).toEqual([
        [1, [bmc.id]],
        [2, [pdu.id]],
      ]);
      const events = (await eventsOf(cluster.id)).filter((e) => e.type === 'fencing_device.deassociated' && e.object_id === redfish.id);
      expect(events.map((e) => e.node_id)).toEqual([node1.id]);
      expect(await failure(h.devices.deassociate(alice, redfish.id, node1.id))).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('deletes a device with its associations, logging each node it stopped fencing', async () => {
      const gone = await h.devices.delete(alice, bmc.id);
      expect(gone.id).toBe(bmc.id);
      expectNoSecret(gone);
      expect(await h.devices.associationsOfDevices(alice, [bmc.id])).toEqual([[]]);
      const [t1, t2] = await h.devices.topologyOfNodes(alice, [node1.id, node2.id]);
      expect(t1?.map((l) => l.level)).toEqual([2]);
      expect(t2).toEqual([]);
      const events = (await eventsOf(cluster.id)).filter((e) => e.object_id === bmc.id).slice(-3);
      expect(events.map((e) => [e.type, e.node_id])).toEqual(
        expect.arrayContaining([
          ['fencing_device.deassociated', node1.id],
          ['fencing_device.deassociated', node2.id],
          ['fencing_device.deleted', null],
        ]),
      );
      expectNoSecret(events);
      expect(await failure(h.devices.get(alice, bmc.id))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(h.devices.delete(alice, bmc.id))).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('listing', () => {
    it('filters by cluster and agent, pages in creation order, and batches clusters in constant statements', async () => {
      const c = await createCluster(h, alice);
      const d = await createCluster(h, alice);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) made.push((await h.devices.add(alice, { clusterId: c.id, name: `r${i}`, agent: i === 1 ? 'fence_virt' : 'fence_redfish' })).id);
      await h.devices.add(alice, { clusterId: d.id, name: 'r0', agent: 'fence_redfish' });
      const p1 = await h.devices.page(alice, { clusterId: c.id }, { first: 2 });
      expect(p1.rows.map((r) => r.id)).toEqual(made.slice(0, 2));
      expect(p1.hasNextPage).toBe(true);
      const p2 = await h.devices.page(alice, { clusterId: c.id }, { first: 2, after: made[1] });
      expect(p2.rows.map((r) => r.id)).toEqual(made.slice(2));
      expect(p2.hasNextPage).toBe(false);
      expect((await h.devices.page(alice, { clusterId: c.id, agent: 'fence_virt' }, { first: 10 })).rows.map((r) => r.id)).toEqual([made[1]]);

      const [pc, pd, pe] = await h.devices.byClusters(alice, [c.id, d.id, otherCluster.id], { first: 2 });
      expect(pc?.rows.map((r) => r.id)).toEqual(made.slice(0, 2));
      expect(pc?.hasNextPage).toBe(true);
      expect(pd?.rows.map((r) => r.name)).toEqual(['r0']);
      expect(pe?.rows.map((r) => r.name)).toEqual(['bmc-rack1']);
      const one = await h.statementsOf(() => h.devices.byClusters(alice, [c.id], { first: 2 }));
      const three = await h.statementsOf(() => h.devices.byClusters(alice, [c.id, d.id, otherCluster.id], { first: 2 }));
      expect(three).toBe(one);
    });

    it('lets readers read (role checks are the guard’s) and shows no device of other tenants', async () => {
      expect((await h.devices.page(aliceReader, { clusterId: cluster.id }, { first: 50 })).rows.length).toBeGreaterThan(0);
      expect((await h.devices.byClusters(bob, [cluster.id], { first: 50 }))[0]?.rows).toEqual([]);
    });
  });
});
