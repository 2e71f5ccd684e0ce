/**
 * Every query and mutation of apps/api/schema.graphql has an SDK method: the table below names
 * the method for each root field, the test walks the schema's root types and fails on a field
 * without an entry, and runs each entry to check that the method really sends that field. A new
 * API operation therefore fails this test until the SDK gets a method for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { HaaasClient, type FetchLike } from '@haaas/sdk';

const ID = '01000000-0000-7000-8000-000000000000';
type Call = (c: HaaasClient) => Promise<unknown>;
const first = (list: AsyncIterable<unknown>): Promise<unknown> => list[Symbol.asyncIterator]().next();

/** Root field → the SDK call that sends it. */
const SDK_METHODS: Record<string, Call> = {
  // queries
  cluster: (c) => c.clusters.get(ID),
  clusterByHost: (c) => c.clusters.getByHost('h.example.com'),
  clusters: (c) => first(c.clusters.list()),
  clusterLog: (c) => first(c.events.list({ clusterId: ID })),
  node: (c) => c.nodes.get(ID),
  nodes: (c) => first(c.nodes.list({ clusterId: ID })),
  resource: (c) => c.resources.get(ID),
  resources: (c) => first(c.resources.list()),
  service: (c) => c.services.get(ID),
  services: (c) => first(c.services.list()),
  failoverDomain: (c) => c.failoverDomains.get(ID),
  failoverDomains: (c) => first(c.failoverDomains.list()),
  fencingDevice: (c) => c.fencingDevices.get(ID),
  fencingDevices: (c) => first(c.fencingDevices.list()),
  fenceAgent: (c) => c.fenceAgents.get('fence_ipmilan'),
  fenceAgents: (c) => c.fenceAgents.list(),
  tenant: (c) => c.tenants.get('t'),
  tenants: (c) => first(c.tenants.list()),
  viewer: (c) => c.viewer(),
  // mutations
  createCluster: (c) => c.clusters.create({ name: 'x', hypervisor: 'KVM' }),
  updateCluster: (c) => c.clusters.update({ id: ID }),
  setClusterAttributes: (c) => c.clusters.setAttributes(ID, {}),
  destroyCluster: (c) => c.clusters.destroy(ID),
  joinNode: (c) => c.nodes.join({ clusterId: ID, hostname: 'h', kind: 'PHYSICAL', endpoint: { uri: 'qemu:///system' }, capacity: { cpus: 1, memoryMb: 1 } }),
  updateNode: (c) => c.nodes.update({ id: ID }),
  setNodeAttributes: (c) => c.nodes.setAttributes(ID, {}),
  setNodeMaintenance: (c) => c.nodes.setMaintenance(ID, true),
  leaveNode: (c) => c.nodes.leave(ID),
  probeNode: (c) => c.nodes.probe(ID),
  issueNodeAgentToken: (c) => c.nodes.issueAgentToken(ID),
  createResource: (c) => c.resources.create({ clusterId: ID, name: 'r', type: 'VM', vm: { hypervisorRef: 'r' } }),
  updateResource: (c) => c.resources.update({ id: ID }),
  setResourceAttributes: (c) => c.resources.setAttributes(ID, {}),
  destroyResource: (c) => c.resources.destroy(ID),
  createService: (c) => c.services.create({ clusterId: ID, name: 's' }),
  updateServicePolicy: (c) => c.services.updatePolicy({ id: ID, policy: {} }),
  addServiceResource: (c) => c.services.addResource({ serviceId: ID, resourceId: ID }),
  removeServiceResource: (c) => c.services.removeResource(ID, ID),
  setServiceAttributes: (c) => c.services.setAttributes(ID, {}),
  destroyService: (c) => c.services.destroy(ID),
  createFailoverDomain: (c) => c.failoverDomains.create({ clusterId: ID, name: 'd' }),
  updateFailoverDomain: (c) => c.failoverDomains.update({ id: ID }),
  deleteFailoverDomain: (c) => c.failoverDomains.delete(ID),
  addFencingDevice: (c) => c.fencingDevices.add({ clusterId: ID, name: 'f', agent: 'fence_ipmilan' }),
  setFencingDeviceOptions: (c) => c.fencingDevices.setOptions({ id: ID }),
  deleteFencingDevice: (c) => c.fencingDevices.delete(ID),
  associateFencingDevice: (c) => c.fencingDevices.associate({ deviceId: ID, nodeId: ID, level: 1 }),
  deassociateFencingDevice: (c) => c.fencingDevices.deassociate(ID, ID),
  testFencingDevice: (c) => c.fencingDevices.test(ID),
  createTenant: (c) => c.tenants.create({ id: 't' }),
  setTenantQuota: (c) => c.tenants.setQuota({ id: 't' }),
};

const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'schema.graphql'), 'utf8'));
const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((t) => (t ? Object.keys(t.getFields()).map((f) => [t.name, f] as const) : []));

/** The root fields a request asked for, read from the query text it sent. */
function recordingClient(): { client: HaaasClient; sent: string[] } {
  const sent: string[] = [];
  const fetch: FetchLike = async (_url, init) => {
    const { query } = JSON.parse(init.body) as { query: string };
    const op = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    for (const s of op?.selectionSet.selections ?? []) if (s.kind === Kind.FIELD) sent.push(s.name.value);
    const body = JSON.stringify({ data: null, errors: [{ message: 'recorded', extensions: { code: 'NOT_FOUND' } }] });
    return { status: 200, headers: { get: () => null }, text: async () => body };
  };
  return { client: new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: false }), sent };
}

describe('SDK coverage of the schema', () => {
  it('has an SDK method for every query and mutation of the schema', () => {
    const missing = rootFields.filter(([, f]) => !SDK_METHODS[f]).map(([t, f]) => `${t}.${f}`);
    expect(missing).toEqual([]);
    const stale = Object.keys(SDK_METHODS).filter((f) => !rootFields.some(([, g]) => g === f));
    expect(stale).toEqual([]);
  });

  it.each(rootFields)('%s.%s: the SDK method sends exactly that field', async (_type, field) => {
    const call = SDK_METHODS[field];
    if (!call) return; // reported by the test above
    const { client, sent } = recordingClient();
    await call(client).catch(() => undefined);
    expect(sent).toEqual([field]);
  });
});
