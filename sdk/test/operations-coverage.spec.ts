/**
 * Every query, mutation and subscription of apps/api/schema.graphql has an SDK method: the table
 * below names the method for each root field, the test walks the schema's root types and fails on
 * a field without an entry, and runs each entry to check that the method really sends that field
 * (over HTTP, or over a scripted graphql-ws socket for subscriptions). A new API operation
 * therefore fails this test until the SDK gets a method for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { HaaasClient, type FetchLike } from '@haaas/sdk';

const ID = '01000000-0000-7000-8000-000000000000';
type Call = (c: HaaasClient) => Promise<unknown>;
const first = (list: AsyncIterable<unknown>): Promise<unknown> => list[Symbol.asyncIterator]().next();
const signal = (): AbortSignal => AbortSignal.timeout(5000);

/** Root field → the SDK call that sends it. */
const SDK_METHODS: Record<string, Call> = {
  // queries
  cluster: (c) => c.clusters.get(ID),
  clusterByHost: (c) => c.clusters.getByHost('h.example.com'),
  clusters: (c) => first(c.clusters.list()),
  clusterLog: (c) => first(c.events.list({ clusterId: ID })),
  eventTypes: (c) => c.events.types(),
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
  tenantRateLimits: (c) => c.tenants.rateLimits('t'),
  auditLog: (c) => first(c.tenants.auditLog()),
  viewer: (c) => c.viewer(),
  operation: (c) => c.operations.get(ID),
  operations: (c) => first(c.operations.list({ clusterId: ID })),
  incident: (c) => c.incidents.get(ID),
  incidents: (c) => first(c.incidents.list({ clusterId: ID })),
  failoverPlan: (c) => c.nodes.failoverPlan(ID),
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
  revokeNodeAgentToken: (c) => c.nodes.revokeAgentToken(ID),
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
  setTenantRateLimits: (c) => c.tenants.setRateLimits({ id: 't' }),
  webhooks: (c) => c.webhooks.list('c'),
  webhook: (c) => c.webhooks.get('w'),
  webhookDeliveries: (c) => c.webhooks.deliveries('w').toArray(),
  createWebhook: (c) => c.webhooks.create({ clusterId: 'c', url: 'https://x', eventTypes: ['INCIDENT_OPENED'], secret: 's' }),
  updateWebhook: (c) => c.webhooks.update({ id: 'w' }),
  deleteWebhook: (c) => c.webhooks.delete('w'),
  testWebhook: (c) => c.webhooks.test('w'),
  reportNodeFailure: (c) => c.nodes.reportFailure({ nodeId: ID, source: 'monitor' }),
  startCluster: (c) => c.clusters.start(ID),
  stopCluster: (c) => c.clusters.stop(ID),
  suspendCluster: (c) => c.clusters.suspend(ID),
  resumeCluster: (c) => c.clusters.resume(ID),
  startupNode: (c) => c.nodes.startup(ID),
  shutdownNode: (c) => c.nodes.shutdown(ID),
  rebootNode: (c) => c.nodes.reboot(ID),
  evacuateNode: (c) => c.nodes.evacuate(ID),
  startService: (c) => c.services.start(ID),
  stopService: (c) => c.services.stop(ID),
  restartService: (c) => c.services.restart(ID),
  relocateService: (c) => c.services.relocate(ID, { targetNodeId: ID }),
  confirmNodeFenced: (c) => c.incidents.confirmNodeFenced(ID, 'seen off at the console'),
  retryIncident: (c) => c.incidents.retry(ID, { note: 'BMC password fixed' }),
  cancelIncident: (c) => c.incidents.cancel(ID, 'decommissioned'),
  // subscriptions
  clusterEvents: (c) => first(c.subscriptions.clusterEvents({ clusterId: ID, signal: signal() })),
  operationUpdated: (c) => first(c.subscriptions.operationUpdated(ID, { signal: signal() })),
};

const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'schema.graphql'), 'utf8'));
const rootFields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => (t ? Object.keys(t.getFields()).map((f) => [t.name, f] as const) : []));

function rootFieldsOf(query: string): string[] {
  const op = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return (op?.selectionSet.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

const NOT_FOUND = [{ message: 'recorded', extensions: { code: 'NOT_FOUND' } }];

/** A client whose requests (HTTP, and subscriptions over a scripted graphql-ws socket) are noted, by root field, and answered NOT_FOUND. */
function recordingClient(): { client: HaaasClient; sent: string[] } {
  const sent: string[] = [];
  const fetch: FetchLike = async (_url, init) => {
    sent.push(...rootFieldsOf((JSON.parse(init.body) as { query: string }).query));
    const body = JSON.stringify({ data: null, errors: NOT_FOUND });
    return { status: 200, headers: { get: () => null }, text: async () => body };
  };
  // the graphql-transport-ws protocol, as much of it as graphql-ws's client needs
  class ScriptedSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    onopen: (() => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    constructor() {
      setTimeout(() => {
        this.readyState = ScriptedSocket.OPEN;
        this.onopen?.();
      });
    }
    send(data: string): void {
      const msg = JSON.parse(data) as { id?: string; type: string; payload?: { query?: string } };
      const reply = (m: object) => setTimeout(() => this.onmessage?.({ data: JSON.stringify(m) }));
      if (msg.type === 'connection_init') reply({ type: 'connection_ack' });
      if (msg.type === 'subscribe') {
        sent.push(...rootFieldsOf(msg.payload?.query ?? ''));
        reply({ id: msg.id, type: 'error', payload: NOT_FOUND });
      }
    }
    close(code = 1000, reason = ''): void {
      this.readyState = 3;
      setTimeout(() => this.onclose?.({ code, reason }));
    }
  }
  return { client: new HaaasClient({ url: 'http://api.test', token: 't', fetch, retry: false, webSocketImpl: ScriptedSocket }), sent };
}

describe('SDK coverage of the schema', () => {
  it('has an SDK method for every query, mutation and subscription of the schema', () => {
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
    await client.close();
    expect(sent).toEqual([field]);
  });
});
