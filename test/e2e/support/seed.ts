import type { TestApi } from './api';

export interface SeededIds {
  cluster: string;
  node: string;
  node2: string;
  resource: string;
  resource2: string;
  failoverDomain: string;
  service: string;
  fencingDevice: string;
}

export interface SeededTenant {
  readonly ids: SeededIds;
  readonly hostname: string;
  /** Strings that only this tenant's data contains (ids, names, secrets): none may show up elsewhere. */
  markers(): string[];
  /** Everything of this tenant as its own user sees it, for before/after comparisons. */
  snapshot(): Promise<unknown>;
}

const SNAPSHOT = `query($cluster: ID!) {
  cluster(id: $cluster) {
    id name description hypervisor state attributes { key value }
    policy { heartbeatIntervalSeconds deadtimeSeconds fencingRequired minHealthyNodes }
    nodes(first: 100) { nodes { id hostname kind status maintenance checkAddress attributes { key value } endpoint { uri username hasPassword } capacity { cpus memoryMb } updatedAt } }
    resources(first: 100) { nodes { id name type serviceId position attributes { key value } updatedAt } }
    services(first: 100) { nodes { id name state attributes { key value } resources { id } updatedAt } }
    failoverDomains(first: 100) { nodes { id name ordered restricted nofailback members { priority node { id } } updatedAt } }
    fencingDevices(first: 100) { nodes { id name agent options { key value } secretOptionKeys associations { level node { id } } updatedAt } }
    log(first: 500) { nodes { id type } }
  }
}`;

/** A small but complete tenant setup through the API: every kind of object, related to each other. */
export async function seedTenant(api: TestApi, token: string, prefix: string): Promise<SeededTenant> {
  const secret = `${prefix}-Secr3t-${Math.random().toString(36).slice(2)}`;
  const run = <T>(query: string, variables: Record<string, unknown>) => api.ok<T>(token, query, variables);
  const { createCluster } = await run<{ createCluster: { id: string } }>(
    `mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`,
    { i: { name: `${prefix}-cluster`, hypervisor: 'KVM', description: `${prefix} description`, attributes: [{ key: 'owner', value: `${prefix}-team` }] } },
  );
  const cluster = createCluster.id;
  const hostname = `${prefix}-n1.example.com`;
  const join = async (host: string) =>
    (
      await run<{ joinNode: { id: string } }>(`mutation($i: JoinNodeInput!) { joinNode(input: $i) { id } }`, {
        i: { clusterId: cluster, hostname: host, kind: 'PHYSICAL', endpoint: { uri: `qemu+ssh://${host}/system`, username: 'root', password: secret }, capacity: { cpus: 16, memoryMb: 65536 } },
      })
    ).joinNode.id;
  const node = await join(hostname);
  const node2 = await join(`${prefix}-n2.example.com`);
  const createVm = async (name: string) =>
    (
      await run<{ createResource: { id: string } }>(`mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }`, {
        i: { clusterId: cluster, name, type: 'VM', vm: { hypervisorRef: `${name}-ref` } },
      })
    ).createResource.id;
  const resource = await createVm(`${prefix}-vm1`);
  const resource2 = await createVm(`${prefix}-vm2`);
  const { createFailoverDomain } = await run<{ createFailoverDomain: { id: string } }>(
    `mutation($i: CreateFailoverDomainInput!) { createFailoverDomain(input: $i) { id } }`,
    { i: { clusterId: cluster, name: `${prefix}-domain`, ordered: true, members: [{ nodeId: node, priority: 1 }, { nodeId: node2, priority: 2 }] } },
  );
  const { createService } = await run<{ createService: { id: string } }>(
    `mutation($i: CreateServiceInput!) { createService(input: $i) { id } }`,
    { i: { clusterId: cluster, name: `${prefix}-svc`, policy: { failoverDomainId: createFailoverDomain.id, priority: 900 }, resources: [resource] } },
  );
  const { addFencingDevice } = await run<{ addFencingDevice: { id: string } }>(
    `mutation($i: AddFencingDeviceInput!) { addFencingDevice(input: $i) { id } }`,
    { i: { clusterId: cluster, name: `${prefix}-bmc`, agent: 'fence_ipmilan', options: [{ key: 'ip', value: '192.0.2.1' }, { key: 'username', value: 'admin' }], secretOptions: [{ key: 'password', value: secret }] } },
  );
  await run(`mutation($i: AssociateFencingDeviceInput!) { associateFencingDevice(input: $i) { id } }`, {
    i: { deviceId: addFencingDevice.id, nodeId: node, level: 1, options: [{ key: 'plug', value: '1' }] },
  });
  const ids: SeededIds = {
    cluster,
    node,
    node2,
    resource,
    resource2,
    failoverDomain: createFailoverDomain.id,
    service: createService.id,
    fencingDevice: addFencingDevice.id,
  };
  return {
    ids,
    hostname,
    markers: () => [...Object.values(ids), `${prefix}-cluster`, `${prefix}-n1`, `${prefix}-vm1`, `${prefix}-svc`, `${prefix}-domain`, `${prefix}-bmc`, `${prefix}-team`, secret],
    snapshot: () => run(SNAPSHOT, { cluster }),
  };
}
