import { startTestApi, TestApi } from './support/api';

const PASSWORD = 'e2e-Pw-7d1c9b0f-canary';

const CREATE_CLUSTER = `mutation($input: CreateClusterInput!) { createCluster(input: $input) { id } }`;
const JOIN = `mutation($input: JoinNodeInput!) {
  joinNode(input: $input) {
    id hostname kind status maintenance checkAddress
    endpoint { uri username hasPassword }
    capacity { cpus memoryMb }
    rack: attribute(key: "rack")
    cluster { id name }
  }
}`;
const CREATE_RESOURCE = `mutation($input: CreateResourceInput!) {
  createResource(input: $input) {
    id name type serviceId position
    vm { hypervisorRef shutdownTimeoutSeconds }
    ip { address prefixLength interface }
    application { startCommand }
    volume { ref }
    cluster { name }
  }
}`;

interface JoinedNode {
  id: string;
  hostname: string;
  status: string;
  endpoint: { uri: string; username: string | null; hasPassword: boolean };
  rack: string | null;
  cluster: { id: string; name: string };
}

describe('nodes and resources over HTTP', () => {
  let api: TestApi;
  let alice: string;
  let bob: string;

  const cluster = async (token: string, name: string, hypervisor = 'KVM'): Promise<string> =>
    (await api.ok<{ createCluster: { id: string } }>(token, CREATE_CLUSTER, { input: { name, hypervisor } })).createCluster.id;

  const joinInput = (clusterId: string, hostname: string, extra: Record<string, unknown> = {}) => ({
    clusterId,
    hostname,
    kind: 'PHYSICAL',
    endpoint: { uri: `qemu+ssh://root@${hostname}/system`, username: 'root' },
    capacity: { cpus: 16, memoryMb: 65536 },
    ...extra,
  });

  beforeAll(async () => {
    api = await startTestApi();
    alice = await api.token('inv-alice');
    bob = await api.token('inv-bob');
  });
  afterAll(() => api?.close());

  it('joins a node without ever returning its password, and reads it back', async () => {
    const clusterId = await cluster(alice, 'kvm-prod');
    const res = await api.gql<{ joinNode: JoinedNode }>(alice, JOIN, {
      input: joinInput(clusterId, 'KVM-01.example.com', {
        endpoint: { uri: 'qemu+ssh://kvm-01.example.com/system', username: 'root', password: PASSWORD },
        attributes: [{ key: 'rack', value: 'r7' }],
      }),
    });
    expect(res.errors).toBeUndefined();
    expect(JSON.stringify(res)).not.toContain(PASSWORD);
    const node = res.data?.joinNode as JoinedNode;
    expect(node).toMatchObject({
      hostname: 'kvm-01.example.com',
      status: 'OFFLINE',
      endpoint: { uri: 'qemu+ssh://kvm-01.example.com/system', username: 'root', hasPassword: true },
      rack: 'r7',
      cluster: { id: clusterId, name: 'kvm-prod' },
    });

    const read = await api.gql(alice, `query($id: ID!) { node(id: $id) { hostname endpoint { hasPassword } } nodes(filter: { hostnameContains: "KVM-01" }) { nodes { id } } }`, { id: node.id });
    expect(read.data).toEqual({ node: { hostname: 'kvm-01.example.com', endpoint: { hasPassword: true } }, nodes: { nodes: [{ id: node.id }] } });
    expect(JSON.stringify(read)).not.toContain(PASSWORD);

    // there is no field that could return it: asking for one is a schema error
    const probe = await api.gql(alice, `query($id: ID!) { node(id: $id) { endpoint { password } } }`, { id: node.id });
    expect(probe.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const maint = await api.ok<{ setNodeMaintenance: { status: string; maintenance: boolean } }>(
      alice,
      `mutation($id: ID!) { setNodeMaintenance(id: $id, enabled: true) { status maintenance } }`,
      { id: node.id },
    );
    expect(maint.setNodeMaintenance).toEqual({ status: 'MAINTENANCE', maintenance: true });
  });

  it('reports input problems with field paths: hypervisor scheme, capacity, wrong resource sub-input', async () => {
    const clusterId = await cluster(alice, 'vsphere-lab', 'VSPHERE');
    const bad = await api.gql(alice, JOIN, {
      input: joinInput(clusterId, 'esx-01', { endpoint: { uri: 'qemu+ssh://esx-01/system' }, capacity: { cpus: 0, memoryMb: 1024 } }),
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((bad.errors?.[0]?.extensions?.['problems'] as { field: string }[]).map((p) => p.field).sort()).toEqual(['capacity.cpus', 'endpoint.uri']);

    const wrong = await api.gql(alice, CREATE_RESOURCE, {
      input: { clusterId, name: 'vip', type: 'IP', vm: { hypervisorRef: 'vm-1' }, ip: { address: '192.0.2.1', prefixLength: 24 } },
    });
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'vm', message: 'only for resources of type VM; this one is IP' }] });

    const ok = await api.ok<{ createResource: Record<string, unknown> }>(alice, CREATE_RESOURCE, {
      input: { clusterId, name: 'vip', type: 'IP', ip: { address: '2001:db8::1', prefixLength: 64 } },
    });
    expect(ok.createResource).toMatchObject({
      type: 'IP',
      vm: null,
      application: null,
      volume: null,
      ip: { address: '2001:db8::1', prefixLength: 64, interface: null },
      serviceId: null,
      cluster: { name: 'vsphere-lab' },
    });
  });

  it("answers NOT_FOUND for another tenant's node and resource, and leaves them as they were", async () => {
    const clusterId = await cluster(alice, 'private');
    const { joinNode } = await api.ok<{ joinNode: JoinedNode }>(alice, JOIN, { input: joinInput(clusterId, 'private-01') });
    const { createResource } = await api.ok<{ createResource: { id: string } }>(alice, CREATE_RESOURCE, {
      input: { clusterId, name: 'db', type: 'VM', vm: { hypervisorRef: 'db-vm' } },
    });
    const attempts: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { node(id: $id) { id } }`, { id: joinNode.id }],
      [`mutation($id: ID!) { updateNode(input: { id: $id, capacity: { cpus: 1, memoryMb: 1 } }) { id } }`, { id: joinNode.id }],
      [`mutation($id: ID!) { setNodeAttributes(id: $id, change: { set: [{ key: "x", value: "y" }] }) { id } }`, { id: joinNode.id }],
      [`mutation($id: ID!) { leaveNode(id: $id, force: true) { id } }`, { id: joinNode.id }],
      [`query($id: ID!) { resource(id: $id) { id } }`, { id: createResource.id }],
      [`mutation($id: ID!) { destroyResource(id: $id, force: true) { id } }`, { id: createResource.id }],
    ];
    for (const [query, variables] of attempts) {
      const res = await api.gql(bob, query, variables);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const still = await api.ok<{ node: { capacity: { cpus: number } }; resource: { name: string } }>(
      alice,
      `query($n: ID!, $r: ID!) { node(id: $n) { capacity { cpus } } resource(id: $r) { name } }`,
      { n: joinNode.id, r: createResource.id },
    );
    expect(still).toEqual({ node: { capacity: { cpus: 16 } }, resource: { name: 'db' } });
    const bobs = await api.ok<{ nodes: { nodes: unknown[] }; resources: { nodes: unknown[] } }>(bob, `{ nodes { nodes { id } } resources { nodes { id } } }`);
    expect(bobs).toEqual({ nodes: { nodes: [] }, resources: { nodes: [] } });
  });

  it('resolves Cluster.nodes, Cluster.resources and their clusters in a number of statements that does not grow with rows', async () => {
    const token = await api.token('inv-batch');
    const populate = async (prefix: string, clusters: number): Promise<void> => {
      for (let c = 0; c < clusters; c++) {
        const id = await cluster(token, `${prefix}-${c}`);
        for (let n = 0; n < 3; n++) await api.ok(token, JOIN, { input: joinInput(id, `${prefix}-${c}-${n}`) });
        for (let r = 0; r < 2; r++) await api.ok(token, CREATE_RESOURCE, { input: { clusterId: id, name: `vm-${r}`, type: 'VM', vm: { hypervisorRef: `vm-${r}` } } });
      }
    };
    const query = `query($filter: ClusterNodeFilter, $resourceFilter: ClusterResourceFilter) {
      clusters(first: 50) { nodes {
        name
        nodes(first: 10, filter: $filter) { nodes { hostname cluster { name } } pageInfo { hasNextPage } }
        resources(first: 10, filter: $resourceFilter) { nodes { name cluster { name } } }
      } }
    }`;
    type Result = { clusters: { nodes: { name: string; nodes: { nodes: { hostname: string; cluster: { name: string } }[] }; resources: { nodes: unknown[] } }[] } };

    await populate('a', 2);
    const small = await api.statementsOf(() => api.ok(token, query));
    // filters are SQL inside the batched window query, not a read of every row filtered afterwards
    const filters = { filter: { kind: 'PHYSICAL', hostnameContains: 'a-' }, resourceFilter: { type: 'VM', unassigned: true } };
    const smallFiltered = await api.statementsOf(() => api.ok(token, query, filters));
    await populate('b', 4);
    let result: Result | undefined;
    let filtered: Result | undefined;
    const large = await api.statementsOf(async () => (result = await api.ok<Result>(token, query)));
    const largeFiltered = await api.statementsOf(async () => (filtered = await api.ok<Result>(token, query, filters)));

    expect(result?.clusters.nodes).toHaveLength(6);
    for (const c of result?.clusters.nodes ?? []) {
      expect(c.nodes.nodes).toHaveLength(3);
      expect(c.nodes.nodes.every((n) => n.cluster.name === c.name)).toBe(true);
      expect(c.resources.nodes).toHaveLength(2);
    }
    expect(filtered?.clusters.nodes.map((c) => [c.name, c.nodes.nodes.length, c.resources.nodes.length])).toEqual([
      ['a-0', 3, 2],
      ['a-1', 3, 2],
      ['b-0', 0, 2],
      ['b-1', 0, 2],
      ['b-2', 0, 2],
      ['b-3', 0, 2],
    ]);
    // three times the clusters, nodes and resources: not one statement more (each cluster's
    // nodes and resources know their cluster already, so `cluster` costs nothing)
    expect(large).toBe(small);
    expect(largeFiltered).toBe(smallFiltered);
  });
});
