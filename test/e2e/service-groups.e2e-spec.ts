import { startTestApi, TestApi } from './support/api';

const CREATE_CLUSTER = `mutation($input: CreateClusterInput!) { createCluster(input: $input) { id } }`;
const JOIN = `mutation($input: JoinNodeInput!) { joinNode(input: $input) { id } }`;
const CREATE_RESOURCE = `mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }`;
const CREATE_DOMAIN = `mutation($input: CreateFailoverDomainInput!) {
  createFailoverDomain(input: $input) { id name ordered restricted nofailback cluster { id } members { priority node { id hostname } } }
}`;
const CREATE_SERVICE = `mutation($input: CreateServiceInput!) {
  createService(input: $input) {
    id name state currentNode { id }
    policy { priority recoveryAction failoverDomainId failoverDomain { id name } antiAffinityGroup recoveryTimeObjectiveSeconds }
    resources { id position service { id } }
    team: attribute(key: "team")
    cluster { id }
  }
}`;
const SERVICE = `query($id: ID!) { service(id: $id) { id name resources { id position } policy { priority maxRestarts failoverDomain { id } } } }`;

interface ServiceResult {
  id: string;
  name: string;
  state: string;
  currentNode: { id: string } | null;
  policy: { priority: number; recoveryAction: string; failoverDomainId: string | null; failoverDomain: { id: string; name: string } | null };
  resources: { id: string; position: number; service: { id: string } | null }[];
  team: string | null;
  cluster: { id: string };
}

describe('services and failover domains over HTTP', () => {
  let api: TestApi;
  let alice: string;
  let bob: string;
  let seq = 0;

  const cluster = async (token: string, name: string): Promise<string> =>
    (await api.ok<{ createCluster: { id: string } }>(token, CREATE_CLUSTER, { input: { name, hypervisor: 'KVM' } })).createCluster.id;
  const node = async (token: string, clusterId: string): Promise<string> => {
    seq += 1;
    const hostname = `sg-node-${seq}.example.com`;
    const input = { clusterId, hostname, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://root@${hostname}/system` }, capacity: { cpus: 8, memoryMb: 8192 } };
    return (await api.ok<{ joinNode: { id: string } }>(token, JOIN, { input })).joinNode.id;
  };
  const resource = async (token: string, clusterId: string): Promise<string> => {
    seq += 1;
    const input = { clusterId, name: `sg-vm-${seq}`, type: 'VM', vm: { hypervisorRef: `vm-${seq}` } };
    return (await api.ok<{ createResource: { id: string } }>(token, CREATE_RESOURCE, { input })).createResource.id;
  };
  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
  const fieldsOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    ((res.errors?.[0]?.extensions?.['problems'] as { field: string }[] | undefined) ?? []).map((p) => p.field).sort();

  beforeAll(async () => {
    // this file proves batching with wide fan-out queries (50 rows per level), far over the default
    // cost limit; the limits themselves are tested in api-limits.e2e-spec.ts
    api = await startTestApi({ HAAAS_QUERY_MAX_COST: '1000000000' });
    alice = await api.token('sg-alice');
    bob = await api.token('sg-bob');
  });
  afterAll(() => api?.close());

  it('runs the lifecycle of a failover domain and a service', async () => {
    const clusterId = await cluster(alice, 'prod');
    const [n1, n2] = [await node(alice, clusterId), await node(alice, clusterId)];
    const [r1, r2, r3] = [await resource(alice, clusterId), await resource(alice, clusterId), await resource(alice, clusterId)];

    const { createFailoverDomain: domain } = await api.ok<{ createFailoverDomain: { id: string; members: { priority: number; node: { id: string } }[] } }>(alice, CREATE_DOMAIN, {
      input: { clusterId, name: 'primary', ordered: true, members: [{ nodeId: n2, priority: 2 }, { nodeId: n1 }] },
    });
    expect(domain).toMatchObject({ name: 'primary', ordered: true, restricted: false, nofailback: false, cluster: { id: clusterId } });
    // the default member priority is 1, the most preferred
    expect(domain.members.map((m) => [m.node.id, m.priority])).toEqual([
      [n1, 1],
      [n2, 2],
    ]);

    const { createService: svc } = await api.ok<{ createService: ServiceResult }>(alice, CREATE_SERVICE, {
      input: { clusterId, name: 'db', policy: { failoverDomainId: domain.id, priority: 800 }, resources: [r2, r1], attributes: [{ key: 'team', value: 'dba' }] },
    });
    expect(svc).toMatchObject({
      name: 'db',
      state: 'STOPPED',
      currentNode: null,
      team: 'dba',
      cluster: { id: clusterId },
      policy: { priority: 800, recoveryAction: 'RELOCATE', failoverDomainId: domain.id, failoverDomain: { id: domain.id, name: 'primary' }, antiAffinityGroup: null },
    });
    expect(svc.resources).toEqual([
      { id: r2, position: 0, service: { id: svc.id } },
      { id: r1, position: 1, service: { id: svc.id } },
    ]);

    await api.ok(alice, `mutation($input: AddServiceResourceInput!) { addServiceResource(input: $input) { id } }`, { input: { serviceId: svc.id, resourceId: r3, position: 1 } });
    await api.ok(alice, `mutation($s: ID!, $r: ID!) { removeServiceResource(serviceId: $s, resourceId: $r) { id } }`, { s: svc.id, r: r2 });
    const upd = await api.ok<{ updateServicePolicy: { policy: { maxRestarts: number; priority: number; failoverDomain: null } } }>(
      alice,
      `mutation($input: UpdateServicePolicyInput!) { updateServicePolicy(input: $input) { policy { maxRestarts priority failoverDomain { id } } } }`,
      { input: { id: svc.id, policy: { maxRestarts: 9, failoverDomainId: null } } },
    );
    expect(upd.updateServicePolicy.policy).toEqual({ maxRestarts: 9, priority: 800, failoverDomain: null });
    const read = await api.ok<{ service: { resources: { id: string; position: number }[] } }>(alice, SERVICE, { id: svc.id });
    expect(read.service.resources).toEqual([
      { id: r3, position: 0 },
      { id: r1, position: 1 },
    ]);

    const attrs = await api.ok<{ setServiceAttributes: { attributes: { key: string; value: string }[] } }>(
      alice,
      `mutation($id: ID!) { setServiceAttributes(id: $id, change: { set: [{ key: "tier", value: "1" }], unset: ["team"] }) { attributes { key value } } }`,
      { id: svc.id },
    );
    expect(attrs.setServiceAttributes.attributes).toEqual([{ key: 'tier', value: '1' }]);

    const upDomain = await api.ok<{ updateFailoverDomain: { name: string; restricted: boolean; members: { node: { id: string } }[] } }>(
      alice,
      `mutation($input: UpdateFailoverDomainInput!) { updateFailoverDomain(input: $input) { name restricted members { node { id } } } }`,
      { input: { id: domain.id, name: 'primary-2', restricted: true, members: [{ nodeId: n2, priority: 1 }] } },
    );
    expect(upDomain.updateFailoverDomain).toEqual({ name: 'primary-2', restricted: true, members: [{ node: { id: n2 } }] });

    await api.ok(alice, `mutation($id: ID!) { destroyService(id: $id) { id } }`, { id: svc.id });
    expect(codeOf(await api.gql(alice, SERVICE, { id: svc.id }))).toBe('NOT_FOUND');
    const released = await api.ok<{ resource: { serviceId: string | null; position: number | null; service: null } }>(
      alice,
      `query($id: ID!) { resource(id: $id) { serviceId position service { id } } }`,
      { id: r1 },
    );
    expect(released.resource).toEqual({ serviceId: null, position: null, service: null });
    await api.ok(alice, `mutation($id: ID!) { deleteFailoverDomain(id: $id) { id } }`, { id: domain.id });
    expect(codeOf(await api.gql(alice, `query($id: ID!) { failoverDomain(id: $id) { id } }`, { id: domain.id }))).toBe('NOT_FOUND');

    const log = await api.ok<{ cluster: { log: { nodes: { type: string }[] } } }>(alice, `query($id: ID!) { cluster(id: $id) { log(first: 100) { nodes { type } } } }`, { id: clusterId });
    const types = log.cluster.log.nodes.map((e) => e.type);
    for (const t of [
      'failover_domain.created',
      'service.created',
      'service.resource_added',
      'service.resource_removed',
      'service.policy_updated',
      'service.attributes_changed',
      'failover_domain.updated',
      'service.destroyed',
      'failover_domain.deleted',
    ]) {
      expect(types).toContain(t);
    }
  });

  it('answers with codes and field paths: bad input, CONFLICT, another tenant', async () => {
    const clusterId = await cluster(alice, 'errors');
    const other = await cluster(alice, 'errors-2');
    const foreignNode = await node(alice, other);
    const bad = await api.gql(alice, CREATE_DOMAIN, { input: { clusterId, name: 'd', members: [{ nodeId: foreignNode, priority: 0 }] } });
    expect([codeOf(bad), fieldsOf(bad)]).toEqual(['BAD_USER_INPUT', ['members[0].priority']]);
    const wrongCluster = await api.gql(alice, CREATE_DOMAIN, { input: { clusterId, name: 'd', members: [{ nodeId: foreignNode, priority: 1 }] } });
    expect([codeOf(wrongCluster), fieldsOf(wrongCluster)]).toEqual(['BAD_USER_INPUT', ['members[0].nodeId']]);

    const badPolicy = await api.gql(alice, CREATE_SERVICE, { input: { clusterId, name: 's', policy: { priority: 0, maxRelocations: -1, autostart: null } } });
    expect([codeOf(badPolicy), fieldsOf(badPolicy)]).toEqual(['BAD_USER_INPUT', ['policy.autostart', 'policy.maxRelocations', 'policy.priority']]);

    const { createFailoverDomain: used } = await api.ok<{ createFailoverDomain: { id: string } }>(alice, CREATE_DOMAIN, { input: { clusterId, name: 'used' } });
    await api.ok(alice, CREATE_SERVICE, { input: { clusterId, name: 'user', policy: { failoverDomainId: used.id } } });
    expect(codeOf(await api.gql(alice, `mutation($id: ID!) { deleteFailoverDomain(id: $id) { id } }`, { id: used.id }))).toBe('CONFLICT');
    expect(codeOf(await api.gql(alice, CREATE_SERVICE, { input: { clusterId, name: 'user' } }))).toBe('CONFLICT');

    // bob sees none of it
    const list = await api.ok<{ services: { nodes: unknown[] }; failoverDomains: { nodes: unknown[] } }>(bob, `{ services { nodes { id } } failoverDomains { nodes { id } } }`);
    expect(list).toEqual({ services: { nodes: [] }, failoverDomains: { nodes: [] } });
    expect(codeOf(await api.gql(bob, `query($id: ID!) { failoverDomain(id: $id) { id } }`, { id: used.id }))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(bob, `mutation($id: ID!) { deleteFailoverDomain(id: $id) { id } }`, { id: used.id }))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(bob, CREATE_SERVICE, { input: { clusterId, name: 'intruder' } }))).toBe('NOT_FOUND');
    const still = await api.ok<{ failoverDomain: { id: string } }>(alice, `query($id: ID!) { failoverDomain(id: $id) { id } }`, { id: used.id });
    expect(still.failoverDomain.id).toBe(used.id);
  });

  it('resolves nested lists in a number of statements that does not grow with the rows', async () => {
    const token = await api.token('sg-batch');
    const query = `{
      clusters(first: 50) { nodes {
        services(first: 50) { nodes {
          id cluster { id } currentNode { id }
          policy { failoverDomain { id members { priority node { id cluster { id } } } } }
          resources { id service { id } }
        } }
        failoverDomains(first: 50) { nodes { id members { node { hostname } } } }
      } }
    }`;
    const populate = async (prefix: string, clusters: number, servicesPerCluster: number) => {
      for (let c = 0; c < clusters; c++) {
        const clusterId = await cluster(token, `${prefix}-${c}`);
        const nodeId = await node(token, clusterId);
        const { createFailoverDomain: d } = await api.ok<{ createFailoverDomain: { id: string } }>(token, CREATE_DOMAIN, {
          input: { clusterId, name: 'dom', members: [{ nodeId, priority: 1 }] },
        });
        for (let s = 0; s < servicesPerCluster; s++) {
          await api.ok(token, CREATE_SERVICE, {
            input: { clusterId, name: `svc-${s}`, policy: { failoverDomainId: d.id }, resources: [await resource(token, clusterId), await resource(token, clusterId)] },
          });
        }
      }
    };
    await populate('a', 1, 1);
    const small = await api.statementsOf(() => api.ok(token, query));
    await populate('b', 3, 3);
    let result: { clusters: { nodes: { services: { nodes: { resources: unknown[] }[] } }[] } } | undefined;
    const large = await api.statementsOf(async () => (result = await api.ok(token, query)));
    expect(result?.clusters.nodes).toHaveLength(4);
    expect(result?.clusters.nodes.flatMap((c) => c.services.nodes)).toHaveLength(10);
    expect(result?.clusters.nodes.flatMap((c) => c.services.nodes).every((s) => s.resources.length === 2)).toBe(true);
    expect(small).toBeGreaterThan(5);
    expect(large).toBe(small);
  });
});
