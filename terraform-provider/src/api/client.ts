/**
 * The provider's one door to the HAaaS API: every SDK call the resources make is a method here, so
 * a change of the SDK's calling conventions touches this file only. Resources see plain inputs and
 * the SDK's object types.
 */
import { HaaasClient, type Cluster, type FailoverDomain, type Node, type NodeAgentToken, type Operation } from '@haaas/sdk';
import type { CreateClusterInput, CreateFailoverDomainInput, JoinNodeInput, UpdateClusterInput, UpdateFailoverDomainInput, UpdateNodeInput } from '@haaas/sdk';

export { BadUserInputError, HaaasError, NetworkError, NotFoundError } from '@haaas/sdk';
export type { Cluster, FailoverDomain, Node, NodeAgentToken } from '@haaas/sdk';

export interface ApiSettings {
  readonly url: string;
  readonly token: string;
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
      headers: { 'user-agent': 'terraform-provider-haaas' },
      fetch: async (url, init) => {
        settings.onRequest?.();
        return fetch(url, init);
      },
    });
  }

  /** The attribute changes that make `current` equal `wanted`. */
  private static attributeChange(current: readonly { key: string; value: string }[], wanted: Attributes) {
    const have = new Map(current.map((a) => [a.key, a.value]));
    return {
      set: attributeList(wanted).filter((a) => have.get(a.key) !== a.value),
      unset: [...have.keys()].filter((k) => !(k in wanted)),
    };
  }

  // clusters
  getCluster = (id: string): Promise<Cluster> => this.client.clusters.get(id);
  findClusters = (nameContains?: string): Promise<Cluster[]> => this.client.clusters.list(nameContains ? { nameContains } : {}).toArray();
  createCluster = (input: Omit<CreateClusterInput, 'attributes'>, attributes: Attributes): Promise<Cluster> =>
    this.client.clusters.create({ ...input, attributes: attributeList(attributes) });
  updateCluster = (input: UpdateClusterInput): Promise<Cluster> => this.client.clusters.update(input);
  async setClusterAttributes(cluster: Cluster, wanted: Attributes): Promise<Cluster> {
    const change = Api.attributeChange(cluster.attributes, wanted);
    return change.set.length || change.unset.length ? this.client.clusters.setAttributes(cluster.id, change) : cluster;
  }
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
  async setNodeAttributes(node: Node, wanted: Attributes): Promise<Node> {
    const change = Api.attributeChange(node.attributes, wanted);
    return change.set.length || change.unset.length ? this.client.nodes.setAttributes(node.id, change) : node;
  }
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

  // failover domains
  getFailoverDomain = (id: string): Promise<FailoverDomain> => this.client.failoverDomains.get(id);
  createFailoverDomain = (input: CreateFailoverDomainInput): Promise<FailoverDomain> => this.client.failoverDomains.create(input);
  updateFailoverDomain = (input: UpdateFailoverDomainInput): Promise<FailoverDomain> => this.client.failoverDomains.update(input);
  deleteFailoverDomain = async (id: string): Promise<void> => void (await this.client.failoverDomains.delete(id));
}
