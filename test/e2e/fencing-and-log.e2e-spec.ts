import { EVENT_CATALOGUE, EVENT_TYPES } from '@haaas/domain';
import { startTestApi, TestApi } from './support/api';

const PASSWORD = 'BMC-pa55word-never-returned';
const KEY_PATH = '/root/.ssh/fence-identity-secret';
const PLUG_SECRET = 'per-node-s3cret-community';
const NEW_PASSWORD = 'rotated-BMC-pa55word';
const SECRETS = [PASSWORD, KEY_PATH, PLUG_SECRET, NEW_PASSWORD];

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  for (const s of SECRETS) expect(text).not.toContain(s);
}

const CREATE_CLUSTER = `mutation($name: String!) { createCluster(input: { name: $name, hypervisor: KVM }) { id } }`;
const JOIN_NODE = `mutation($input: JoinNodeInput!) { joinNode(input: $input) { id hostname } }`;
const ADD_DEVICE = `mutation($input: AddFencingDeviceInput!) { addFencingDevice(input: $input) { id name agent options { key value } secretOptionKeys cluster { id } } }`;
const ASSOCIATE = `mutation($input: AssociateFencingDeviceInput!) { associateFencingDevice(input: $input) { id level options { key value } secretOptionKeys device { id } node { id } } }`;
const TREE = `{
  clusters(first: 50) { nodes {
    fencingDevices(first: 50) { nodes {
      name agent options { key value } secretOptionKeys cluster { name }
      associations { level secretOptionKeys node { hostname fencingTopology { level devices { options { key value } device { name } } } } }
    } }
    log(first: 50) { nodes { id type actor objectType nodeId before after message } pageInfo { hasNextPage } }
  } }
}`;
/** Clusters with their logs under each kind of filter: every one is a batched read of its own. */
const FILTERED_LOGS = `query($from: DateTime!, $to: DateTime!) {
  clusters(first: 50) { nodes {
    typed: log(first: 5, filter: { types: ["node.joined", "fencing_device.added"] }) { nodes { id type } pageInfo { hasNextPage } }
    ranged: log(first: 5, filter: { from: $from, to: $to }) { nodes { id at } }
    mixed: log(first: 5, filter: { from: $from, types: ["fencing_device.associated"], objectType: "FencingDevice" }) { nodes { id nodeId } }
  } }
}`;

describe('fencing, cluster log and tenants over HTTP', () => {
  let api: TestApi;
  let alice: string;
  let bob: string;
  let admin: string;
  let clusterId: string;
  const nodeIds: string[] = [];

  async function setUpCluster(token: string, name: string, nodes: number): Promise<{ clusterId: string; nodeIds: string[] }> {
    const { createCluster } = await api.ok<{ createCluster: { id: string } }>(token, CREATE_CLUSTER, { name });
    const ids: string[] = [];
    for (let i = 0; i < nodes; i++) {
      const { joinNode } = await api.ok<{ joinNode: { id: string } }>(token, JOIN_NODE, {
        input: {
          clusterId: createCluster.id,
          hostname: `${name}-n${i}.example.com`,
          kind: 'PHYSICAL',
          endpoint: { uri: `qemu+ssh://root@${name}-n${i}.example.com/system` },
          capacity: { cpus: 4, memoryMb: 8192 },
        },
      });
      ids.push(joinNode.id);
    }
    return { clusterId: createCluster.id, nodeIds: ids };
  }

  async function addDeviceWithAssociations(token: string, cluster: { clusterId: string; nodeIds: string[] }, name: string): Promise<string> {
    const { addFencingDevice } = await api.ok<{ addFencingDevice: { id: string } }>(token, ADD_DEVICE, {
      input: { clusterId: cluster.clusterId, name, agent: 'fence_ipmilan', options: [{ key: 'ip', value: '10.1.1.1' }, { key: 'password', value: PASSWORD }] },
    });
    for (const [i, nodeId] of cluster.nodeIds.entries()) {
      await api.ok(token, ASSOCIATE, { input: { deviceId: addFencingDevice.id, nodeId, level: 1 + (i % 2), options: [{ key: 'plug', value: String(i) }], secretOptions: [{ key: 'hexadecimal_kg', value: PLUG_SECRET }] } });
    }
    return addFencingDevice.id;
  }

  beforeAll(async () => {
    api = await startTestApi();
    alice = await api.token('alice');
    bob = await api.token('bob');
    admin = await api.token('ops', ['admin'], 'ops-admin');
    const c = await setUpCluster(alice, 'east', 2);
    clusterId = c.clusterId;
    nodeIds.push(...c.nodeIds);
  });

  afterAll(() => api?.close());

  it('adds a device and never answers its secrets', async () => {
    const { addFencingDevice } = await api.ok<{ addFencingDevice: { id: string; options: unknown; secretOptionKeys: string[]; cluster: { id: string } } }>(alice, ADD_DEVICE, {
      input: {
        clusterId,
        name: 'bmc',
        agent: 'fence_ipmilan',
        options: [{ key: 'ip', value: '10.0.0.5' }, { key: 'username', value: 'admin' }, { key: 'password', value: PASSWORD }],
        secretOptions: [{ key: 'password_script', value: KEY_PATH }],
      },
    });
    expect(addFencingDevice).toMatchObject({ options: [{ key: 'ip', value: '10.0.0.5' }, { key: 'username', value: 'admin' }], secretOptionKeys: ['password', 'password_script'], cluster: { id: clusterId } });
    expectNoSecret(addFencingDevice);

    const assoc = await api.ok<{ associateFencingDevice: { level: number; secretOptionKeys: string[]; node: { id: string } } }>(alice, ASSOCIATE, {
      input: { deviceId: addFencingDevice.id, nodeId: nodeIds[0], level: 1, options: [{ key: 'plug', value: '1' }], secretOptions: [{ key: 'hexadecimal_kg', value: PLUG_SECRET }] },
    });
    expect(assoc.associateFencingDevice).toMatchObject({ level: 1, secretOptionKeys: ['hexadecimal_kg'], node: { id: nodeIds[0] } });
    const set = await api.ok<{ setFencingDeviceOptions: { secretOptionKeys: string[] } }>(
      alice,
      `mutation($input: SetFencingDeviceOptionsInput!) { setFencingDeviceOptions(input: $input) { secretOptionKeys options { key value } } }`,
      { input: { id: addFencingDevice.id, setSecrets: [{ key: 'password', value: NEW_PASSWORD }], unset: ['username'] } },
    );
    expect(set.setFencingDeviceOptions.secretOptionKeys).toEqual(['password', 'password_script']);
    expectNoSecret(set);

    // the whole tree, the log included, has names of secrets and never a value
    const tree = await api.ok(alice, TREE);
    expectNoSecret(tree);
    expect(JSON.stringify(tree)).toContain('fencing_device.options_changed');
    const single = await api.ok(alice, `query($id: ID!) { fencingDevice(id: $id) { secretOptionKeys associations { secretOptionKeys } } }`, { id: addFencingDevice.id });
    expect(single).toEqual({ fencingDevice: { secretOptionKeys: ['password', 'password_script'], associations: [{ secretOptionKeys: ['hexadecimal_kg'] }] } });
  });

  it('refuses bad input with field paths, another cluster’s node, and another tenant’s ids', async () => {
    const bad = await api.gql(alice, ADD_DEVICE, { input: { clusterId, name: 'x', agent: 'ipmilan', options: [{ key: 'action', value: 'off' }] } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'agent' }, { field: 'options[0].key' }] });

    const other = await setUpCluster(alice, 'west', 1);
    const { fencingDevices } = await api.ok<{ fencingDevices: { nodes: { id: string }[] } }>(alice, `query($c: ID!) { fencingDevices(filter: { clusterId: $c }) { nodes { id } } }`, { c: clusterId });
    const deviceId = fencingDevices.nodes[0]?.id;
    const wrongNode = await api.gql(alice, ASSOCIATE, { input: { deviceId, nodeId: other.nodeIds[0], level: 1 } });
    expect(wrongNode.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'nodeId' }] });

    const hidden = await api.gql(bob, `query($id: ID!) { fencingDevice(id: $id) { id } }`, { id: deviceId });
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const log = await api.gql(bob, `query($c: ID!) { clusterLog(clusterId: $c) { nodes { id } } }`, { c: clusterId });
    expect(log.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers the cluster log newest first, filtered, and refuses a range ending before it starts', async () => {
    const { clusterLog } = await api.ok<{ clusterLog: { nodes: { id: string; type: string; at: string }[] } }>(
      alice,
      `query($c: ID!) { clusterLog(clusterId: $c, first: 100) { nodes { id type at } } }`,
      { c: clusterId },
    );
    const ids = clusterLog.nodes.map((e) => e.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(clusterLog.nodes[clusterLog.nodes.length - 1]?.type).toBe('cluster.created');
    const typed = await api.ok<{ clusterLog: { nodes: { type: string }[] } }>(
      alice,
      `query($c: ID!) { clusterLog(clusterId: $c, filter: { types: ["fencing_device.added", "fencing_device.associated"] }) { nodes { type } } }`,
      { c: clusterId },
    );
    expect(new Set(typed.clusterLog.nodes.map((e) => e.type))).toEqual(new Set(['fencing_device.added', 'fencing_device.associated']));
    const inverted = await api.gql(alice, `query($c: ID!) { clusterLog(clusterId: $c, filter: { from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { nodes { id } } }`, { c: clusterId });
    expect(inverted.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'filter.to' }] });
  });

  it('lists the event catalogue, writes no type outside it and refuses a filter naming one', async () => {
    const { eventTypes } = await api.ok<{ eventTypes: { type: string; objectType: string; summary: string }[] }>(alice, `{ eventTypes { type objectType summary } }`);
    expect(eventTypes.map((t) => [t.type, t.objectType])).toEqual(EVENT_TYPES.map((t) => [t, EVENT_CATALOGUE[t].objectType]));
    const known = new Map(eventTypes.map((t) => [t.type, t.objectType]));
    const { clusterLog } = await api.ok<{ clusterLog: { nodes: { type: string; objectType: string }[] } }>(
      alice,
      `query($c: ID!) { clusterLog(clusterId: $c, first: 100) { nodes { type objectType } } }`,
      { c: clusterId },
    );
    expect(clusterLog.nodes.length).toBeGreaterThan(3);
    for (const e of clusterLog.nodes) expect([e.type, known.get(e.type)]).toEqual([e.type, e.objectType]);
    const typo = await api.gql(alice, `query($c: ID!) { clusterLog(clusterId: $c, filter: { types: ["node.failed", "node.faild"], objectType: "Nodes" }) { nodes { id } } }`, {
      c: clusterId,
    });
    expect(typo.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'filter.types[1]' }, { field: 'filter.objectType' }] });
  });

  it('batches nested fencing and log fields: the statement count does not grow with rows', async () => {
    const carol = await api.token('carol');
    const small = await setUpCluster(carol, 'a', 1);
    await addDeviceWithAssociations(carol, small, 'd1');
    await api.ok(carol, TREE);
    const few = await api.statementsOf(() => api.ok(carol, TREE));
    for (const name of ['b', 'c']) {
      const c = await setUpCluster(carol, name, 3);
      await addDeviceWithAssociations(carol, c, 'd1');
      await addDeviceWithAssociations(carol, c, 'd2');
    }
    const many = await api.statementsOf(() => api.ok(carol, TREE));
    expect(many).toBe(few);
  });

  it('reads filtered logs of 1 or 3 clusters in the same number of statements', async () => {
    const dave = await api.token('dave');
    const since = new Date(Date.now() - 60_000).toISOString();
    const first = await setUpCluster(dave, 'one', 2);
    await addDeviceWithAssociations(dave, first, 'd1');
    const vars = () => ({ from: since, to: new Date(Date.now() + 60_000).toISOString() });
    type Logs = { clusters: { nodes: { typed: { nodes: { type: string }[] }; ranged: { nodes: unknown[] }; mixed: { nodes: unknown[] } }[] } };
    await api.ok(dave, FILTERED_LOGS, vars());
    const one = await api.statementsOf(() => api.ok(dave, FILTERED_LOGS, vars()));
    for (const name of ['two', 'three']) {
      const c = await setUpCluster(dave, name, 3);
      await addDeviceWithAssociations(dave, c, 'd1');
    }
    let answer: Logs | undefined;
    const three = await api.statementsOf(async () => {
      answer = await api.ok<Logs>(dave, FILTERED_LOGS, vars());
    });
    expect(three).toBe(one);
    // and the filters did select: every cluster has rows under each
    expect(answer?.clusters.nodes).toHaveLength(3);
    for (const c of answer?.clusters.nodes ?? []) {
      expect(c.typed.nodes.length).toBeGreaterThan(0);
      expect(c.typed.nodes.every((e) => e.type === 'node.joined' || e.type === 'fencing_device.added')).toBe(true);
      expect(c.ranged.nodes.length).toBeGreaterThan(0);
      expect(c.mixed.nodes.length).toBeGreaterThan(0);
    }
  });

  it('includes events recorded exactly at `from` and `to`, and not a millisecond outside', async () => {
    const LOG = `query($c: ID!, $from: DateTime, $to: DateTime) {
      clusterLog(clusterId: $c, first: 100, filter: { from: $from, to: $to }) { nodes { id } }
      clusters(first: 50) { nodes { id log(first: 100, filter: { from: $from, to: $to }) { nodes { id } } } }
    }`;
    const { clusterLog } = await api.ok<{ clusterLog: { nodes: { id: string; at: string }[] } }>(alice, `query($c: ID!) { clusterLog(clusterId: $c, first: 100) { nodes { id at } } }`, { c: clusterId });
    const event = clusterLog.nodes[Math.floor(clusterLog.nodes.length / 2)] as { id: string; at: string };
    const at = new Date(event.at).getTime();
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: [Record<string, string>, boolean][] = [
      [{ from: iso(at), to: iso(at) }, true],
      [{ from: iso(at) }, true],
      [{ to: iso(at) }, true],
      [{ from: iso(at + 1) }, false],
      [{ to: iso(at - 1) }, false],
    ];
    for (const [range, included] of cases) {
      const res = await api.ok<{ clusterLog: { nodes: { id: string }[] }; clusters: { nodes: { id: string; log: { nodes: { id: string }[] } }[] } }>(alice, LOG, { c: clusterId, ...range });
      const top = res.clusterLog.nodes.map((e) => e.id);
      const nested = res.clusters.nodes.find((c) => c.id === clusterId)?.log.nodes.map((e) => e.id);
      expect([range, top.includes(event.id)]).toEqual([range, included]);
      expect(nested).toEqual(top);
    }
  });

  it('shows the viewer and keeps tenant administration to platform admins', async () => {
    const { viewer } = await api.ok<{ viewer: { tenantId: string; roles: string[]; tenant: { id: string; quota: { maxClusters: number }; usage: { clusters: number; nodes: number } } } }>(
      alice,
      `{ viewer { subject tenantId roles tenant { id quota { maxClusters } usage { clusters nodes } } } }`,
    );
    expect(viewer).toMatchObject({ tenantId: 'alice', roles: ['member'], tenant: { id: 'alice', usage: { clusters: 2, nodes: 3 } } });

    for (const op of [`{ tenants { nodes { id } } }`, `{ tenant(id: "bob") { id } }`, `mutation { createTenant(input: { id: "evil" }) { id } }`, `mutation { setTenantQuota(input: { id: "alice", maxClusters: 999 }) { id } }`]) {
      const res = await api.gql(alice, op);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }

    const created = await api.ok<{ createTenant: { id: string; displayName: string } }>(admin, `mutation { createTenant(input: { id: "acme", displayName: "ACME" }) { id displayName } }`);
    expect(created.createTenant).toEqual({ id: 'acme', displayName: 'ACME' });
    const dup = await api.gql(admin, `mutation { createTenant(input: { id: "acme" }) { id } }`);
    expect(dup.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const quota = await api.ok<{ setTenantQuota: { quota: { maxClusters: number; maxNodes: number }; quotaOverrides: { maxClusters: number | null } } }>(
      admin,
      `mutation { setTenantQuota(input: { id: "alice", maxClusters: 2 }) { quota { maxClusters maxNodes } quotaOverrides { maxClusters } } }`,
    );
    expect(quota.setTenantQuota).toMatchObject({ quota: { maxClusters: 2 }, quotaOverrides: { maxClusters: 2 } });
    const full = await api.gql(alice, CREATE_CLUSTER, { name: 'third' });
    expect(full.errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');

    const page1 = await api.ok<{ tenants: { nodes: { id: string; usage: { clusters: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      admin,
      `{ tenants(first: 2) { nodes { id usage { clusters } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(page1.tenants.nodes.map((t) => t.id)).toEqual(['acme', 'alice']);
    expect(page1.tenants.nodes[1]?.usage.clusters).toBe(2);
    expect(page1.tenants.pageInfo.hasNextPage).toBe(true);
    const page2 = await api.ok<{ tenants: { nodes: { id: string }[] } }>(admin, `query($after: String) { tenants(first: 100, after: $after) { nodes { id } } }`, { after: page1.tenants.pageInfo.endCursor });
    expect(page2.tenants.nodes.map((t) => t.id)).toEqual(expect.arrayContaining(['bob', 'carol', 'ops']));
    expect(page2.tenants.nodes.map((t) => t.id)).not.toContain('alice');
  });
});
