/**
 * The provider's one door to the HAaaS API: every SDK call the resources make is a method here, so
 * a change of the SDK's calling conventions touches this file only. Resources see plain inputs and
 * the SDK's object types.
 */
import { HaaasClient, NotFoundError, type Cluster, type FailoverDomain, type FailoverPlan, type FenceAgent, type FencingAssociation, type FencingDevice, type Node, type NodeAgentToken, type Operation, type Resource, type Service } from '@haaas/sdk';
import type { TokenKind, TokenProvider } from '@haaas/sdk';
import type { AddFencingDeviceInput, AssociateFencingDeviceInput, CreateClusterInput, CreateFailoverDomainInput, CreateResourceInput, CreateServiceInput, JoinNodeInput, ServicePolicyInput, SetFencingDeviceOptionsInput, UpdateClusterInput, UpdateFailoverDomainInput, UpdateNodeInput, UpdateResourceInput } from '@haaas/sdk';

export { BadUserInputError, HaaasError, NetworkError, NotFoundError } from '@haaas/sdk';
export type { Cluster, FailoverDomain, FailoverPlan, FenceAgent, FencingAssociation, FencingDevice, Node, NodeAgentToken, Resource, Service } from '@haaas/sdk';
export type { ServicePolicyInput } from '@haaas/sdk';
/** An association as its device lists it. */
export type DeviceAssociation = FencingDevice['associations'][number];

export interface ApiSettings {
  readonly url: string;
  /** A HAaaS token, or a Keystone token provider's callback (with `tokenKind: 'keystone'`). */
  readonly token: TokenProvider;
  readonly tokenKind?: TokenKind;
  /** Counts API requests (the benchmark's requests per resource). */
  readonly onRequest?: () => void;
}

type Attributes = Record<string, string>;
const attributeList = (a: Attributes): { key: string; value: string }[] =>
  Object.keys(a)
    .sort()
    .map((key) => ({ key, value: a[key] ?? '' }));

export class Api {
  private readonly client: HaaasClient;

  constructor(settings: ApiSettings) {
    this.client = new HaaasClient({
      url: settings.url,
      token: settings.token,
      ...(settings.tokenKind ? { tokenKind: settings.tokenKind } : {}),
      headers: { 'user-agent': 'terraform-provider-haaas' },
      fetch: async (url, init) => {
        settings.onRequest?.();
        return fetch(url, init);
      },
    });
  }

  /**
   * Makes `object`'s key/value attributes equal `wanted` through its namespace's setAttributes,
   * sending only the difference (and nothing when there is none).
   */
  private static async syncAttributes<T extends { id: string; attributes: readonly { key: string; value: string }[] }>(
    object: T,
    wanted: Attributes,
    send: (id: string, change: { set: { key: string; value: string }[]; unset: string[] }) => Promise<T>,
  ): Promise<T> {
    const have = new Map(object.attributes.map((a) => [a.key, a.value]));
    const change = { set: attributeList(wanted).filter((a) => have.get(a.key) !== a.value), unset: [...have.keys()].filter((k) => !(k in wanted)) };
    return change.set.length || change.unset.length ? send(object.id, change) : object;
  }

  // clusters
  getCluster = (id: string): Promise<Cluster> => this.client.clusters.get(id);
  findClusters = (nameContains?: string): Promise<Cluster[]> => this.client.clusters.list(nameContains ? { nameContains } : {}).toArray();
  createCluster = (input: Omit<CreateClusterInput, 'attributes'>, attributes: Attributes): Promise<Cluster> =>
    this.client.clusters.create({ ...input, attributes: attributeList(attributes) });
  updateCluster = (input: UpdateClusterInput): Promise<Cluster> => this.client.clusters.update(input);
  setClusterAttributes = (cluster: Cluster, wanted: Attributes): Promise<Cluster> => Api.syncAttributes(cluster, wanted, (id, change) => this.client.clusters.setAttributes(id, change));
  destroyCluster = async (id: string): Promise<void> => void (await this.client.clusters.destroy(id));
  /** Starts (true) or stops (false) HA and waits for the operation. */
  async setClusterHa(id: string, enabled: boolean, timeoutMs: number): Promise<Operation> {
    const op = enabled ? await this.client.clusters.start(id) : await this.client.clusters.stop(id);
    return this.client.operations.wait(op.id, { timeoutMs, pollIntervalMs: 250 });
  }

  // nodes
  getNode = (id: string): Promise<Node> => this.client.nodes.get(id);
  joinNode = (input: Omit<JoinNodeInput, 'attributes'>, attributes: Attributes): Promise<Node> =>
    this.client.nodes.join({ ...input, attributes: attributeList(attributes) });
  updateNode = (input: UpdateNodeInput): Promise<Node> => this.client.nodes.update(input);
  setNodeAttributes = (node: Node, wanted: Attributes): Promise<Node> => Api.syncAttributes(node, wanted, (id, change) => this.client.nodes.setAttributes(id, change));
  setNodeMaintenance = (id: string, enabled: boolean): Promise<Node> => this.client.nodes.setMaintenance(id, enabled);
  /**
   * Takes the node out of the failover domains that list it, then out of the cluster (refused while
   * services run on it). Terraform replaces a node by destroying it before the domain that lists it
   * is updated to the new one, so the membership has to go first.
   */
  async leaveNode(id: string): Promise<void> {
    const node = await this.client.nodes.get(id);
    for (const d of await this.client.failoverDomains.list({ clusterId: node.cluster.id }).toArray()) {
      if (!d.members.some((m) => m.node.id === id)) continue;
      await this.client.failoverDomains.update({ id: d.id, members: d.members.filter((m) => m.node.id !== id).map((m) => ({ nodeId: m.node.id, priority: m.priority })) });
    }
    await this.client.nodes.leave(id);
  }
  issueAgentToken = (nodeId: string): Promise<NodeAgentToken> => this.client.nodes.issueAgentToken(nodeId);
  revokeAgentToken = (nodeId: string): Promise<Node> => this.client.nodes.revokeAgentToken(nodeId);

  // failover domains
  getFailoverDomain = (id: string): Promise<FailoverDomain> => this.client.failoverDomains.get(id);
  createFailoverDomain = (input: CreateFailoverDomainInput): Promise<FailoverDomain> => this.client.failoverDomains.create(input);
  updateFailoverDomain = (input: UpdateFailoverDomainInput): Promise<FailoverDomain> => this.client.failoverDomains.update(input);
  deleteFailoverDomain = async (id: string): Promise<void> => void (await this.client.failoverDomains.delete(id));

  // fencing
  getFenceAgent = (name: string): Promise<FenceAgent> => this.client.fenceAgents.get(name);
  listFenceAgents = (): Promise<FenceAgent[]> => this.client.fenceAgents.list();
  getFencingDevice = (id: string): Promise<FencingDevice> => this.client.fencingDevices.get(id);
  addFencingDevice = (input: AddFencingDeviceInput): Promise<FencingDevice> => this.client.fencingDevices.add(input);
  setFencingDeviceOptions = (input: SetFencingDeviceOptionsInput): Promise<FencingDevice> => this.client.fencingDevices.setOptions(input);
  deleteFencingDevice = async (id: string): Promise<void> => void (await this.client.fencingDevices.delete(id));
  associateFencingDevice = (input: AssociateFencingDeviceInput): Promise<FencingAssociation> => this.client.fencingDevices.associate(input);
  deassociateFencingDevice = async (deviceId: string, nodeId: string): Promise<void> => void (await this.client.fencingDevices.deassociate(deviceId, nodeId));
  /** The association of a device with a node, read through the device (the API has no query of its own). */
  async getFencingAssociation(deviceId: string, nodeId: string): Promise<DeviceAssociation> {
    const found = (await this.client.fencingDevices.get(deviceId)).associations.find((a) => a.node.id === nodeId);
    if (!found) throw new NotFoundError(`device ${deviceId} does not fence node ${nodeId}`, { code: 'NOT_FOUND', errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND', kind: 'FencingAssociation' } }] });
    return found;
  }

  // resources
  getResource = (id: string): Promise<Resource> => this.client.resources.get(id);
  createResource = (input: Omit<CreateResourceInput, 'attributes'>, attributes: Attributes): Promise<Resource> =>
    this.client.resources.create({ ...input, attributes: attributeList(attributes) });
  updateResource = (input: UpdateResourceInput): Promise<Resource> => this.client.resources.update(input);
  setResourceAttributes = (resource: Resource, wanted: Attributes): Promise<Resource> => Api.syncAttributes(resource, wanted, (id, change) => this.client.resources.setAttributes(id, change));
  destroyResource = async (id: string): Promise<void> => void (await this.client.resources.destroy(id));

  // services
  getService = (id: string): Promise<Service> => this.client.services.get(id);
  createService = (input: Omit<CreateServiceInput, 'attributes'>, attributes: Attributes): Promise<Service> =>
    this.client.services.create({ ...input, attributes: attributeList(attributes) });
  updateServicePolicy = (id: string, policy: ServicePolicyInput): Promise<Service> => this.client.services.updatePolicy({ id, policy });
  setServiceAttributes = (service: Service, wanted: Attributes): Promise<Service> => Api.syncAttributes(service, wanted, (id, change) => this.client.services.setAttributes(id, change));
  /**
   * Makes the service's resource list `wanted`, in order: the common leading part stays, the rest
   * is taken out and added back in order (a resource moves only when its position changes).
   */
  async setServiceResources(service: Service, wanted: readonly string[]): Promise<Service> {
    const have = service.resources.map((r) => r.id);
    let keep = 0;
    while (keep < have.length && keep < wanted.length && have[keep] === wanted[keep]) keep++;
    let s = service;
    for (const id of have.slice(keep)) s = await this.client.services.removeResource(service.id, id);
    for (const id of wanted.slice(keep)) s = await this.client.services.addResource({ serviceId: service.id, resourceId: id });
    return s;
  }
  /** Starts (true) or stops (false) the service and waits for the operation. */
  async setServiceRunning(id: string, running: boolean, timeoutMs: number): Promise<Operation> {
    const op = running ? await this.client.services.start(id) : await this.client.services.stop(id);
    return this.client.operations.wait(op.id, { timeoutMs, pollIntervalMs: 250 });
  }
  destroyService = async (id: string): Promise<void> => void (await this.client.services.destroy(id));
  failoverPlan = (nodeId: string): Promise<FailoverPlan> => this.client.nodes.failoverPlan(nodeId);
  listServices = (clusterId: string): Promise<Service[]> => this.client.services.list({ clusterId }).toArray();
}
