import * as Ops from '../generated/graphql.js';
import { type ListOptions, Paginated, splitListParams } from '../paginate.js';
import type { RequestOptions } from '../transport.js';
import type { Cluster, FailoverPlan, NodeFailureReport, Operation, FencingLevel, ClusterNode, NodeAgentToken, NodeProbeResult, Resource } from '../types.js';
import { type ActionOptions, type ForceOptions, Namespace } from './namespace.base.js';

/** Clusters: sets of hypervisor hosts managed together. */
export class ClustersApi extends Namespace {
  /** A cluster by id. @throws {@link NotFoundError} also for another tenant's id. */
  async get(id: string, options?: RequestOptions): Promise<Cluster> {
    return (await this.request(Ops.GetClusterDocument, { id }, options)).cluster;
  }

  /** The cluster a host name (of one of its nodes) belongs to. */
  async getByHost(hostname: string, options?: RequestOptions): Promise<Cluster> {
    return (await this.request(Ops.GetClusterByHostDocument, { hostname }, options)).clusterByHost;
  }

  /** Clusters of the tenant, oldest first, filtered. */
  list(params?: Ops.ClusterFilter & ListOptions, options?: ListOptions): Paginated<Cluster> {
    const split = splitListParams<Ops.ClusterFilter>(params, options);
    return this.paginate(Ops.ListClustersDocument, { filter: split.filter }, (r) => r.clusters, split.options);
  }

  /** Creates a cluster; HA stays STOPPED until started. */
  async create(input: Ops.CreateClusterInput, options?: RequestOptions): Promise<Cluster> {
    return (await this.request(Ops.CreateClusterDocument, { input }, options)).createCluster;
  }

  /** Changes the description and HA defaults. */
  async update(input: Ops.UpdateClusterInput, options?: RequestOptions): Promise<Cluster> {
    return (await this.request(Ops.UpdateClusterDocument, { input }, options)).updateCluster;
  }

  /** Sets and removes free-form attributes, together. */
  async setAttributes(id: string, change: Ops.AttributeChangeInput, options?: RequestOptions): Promise<Cluster> {
    return (await this.request(Ops.SetClusterAttributesDocument, { id, change }, options)).setClusterAttributes;
  }

  /** Destroys a cluster; CONFLICT while it has nodes or services unless `force` (which removes them too). Returns it as it was. */
  async destroy(id: string, options: ForceOptions = {}): Promise<Cluster> {
    return (await this.request(Ops.DestroyClusterDocument, { id, force: options.force ?? false }, options)).destroyCluster;
  }

  /**
   * Activates HA. Refused at once with {@link PreconditionFailedError} without quorum (N/2 + 1
   * nodes ONLINE and not in maintenance) or the policy's minHealthyNodes, or when SUSPENDED.
   */
  start(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StartClusterDocument, { id }, options, (r) => r.startCluster);
  }

  /** Deactivates HA, then stops the running services (lowest priority first). */
  stop(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StopClusterDocument, { id }, options, (r) => r.stopCluster);
  }

  /** Pauses monitoring and recovery of a started cluster: failures are not acted on until resumed. */
  suspend(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.SuspendClusterDocument, { id }, options, (r) => r.suspendCluster);
  }

  /** Resumes monitoring and recovery of a suspended cluster. */
  resume(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.ResumeClusterDocument, { id }, options, (r) => r.resumeCluster);
  }
}

/** Nodes: the hypervisor hosts of clusters. */
export class NodesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.GetNodeDocument, { id }, options)).node;
  }

  /** Nodes of the tenant, oldest first; `clusterId` for one cluster's. */
  list(params?: Ops.NodeFilter & ListOptions, options?: ListOptions): Paginated<ClusterNode> {
    const split = splitListParams<Ops.NodeFilter>(params, options);
    return this.paginate(Ops.ListNodesDocument, { filter: split.filter }, (r) => r.nodes, split.options);
  }

  /** How a node is fenced: its levels in the order they are tried, each with its devices. */
  async fencingTopology(id: string, options?: RequestOptions): Promise<FencingLevel[]> {
    return (await this.request(Ops.GetNodeFencingTopologyDocument, { id }, options)).node.fencingTopology;
  }

  /** Adds a host to a cluster; it starts OFFLINE. Counts against the `nodes` quota. */
  async join(input: Ops.JoinNodeInput, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.JoinNodeDocument, { input }, options)).joinNode;
  }

  /** Changes capacity, check address or endpoint (including its write-only password). */
  async update(input: Ops.UpdateNodeInput, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.UpdateNodeDocument, { input }, options)).updateNode;
  }

  async setAttributes(id: string, change: Ops.AttributeChangeInput, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.SetNodeAttributesDocument, { id, change }, options)).setNodeAttributes;
  }

  /** Maintenance on (status MAINTENANCE) or off (OFFLINE until the node is heard from). */
  async setMaintenance(id: string, enabled: boolean, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.SetNodeMaintenanceDocument, { id, enabled }, options)).setNodeMaintenance;
  }

  /** Removes a node from its cluster; CONFLICT while services run on it or domains list it, unless `force`. */
  async leave(id: string, options: ForceOptions = {}): Promise<ClusterNode> {
    return (await this.request(Ops.LeaveNodeDocument, { id, force: options.force ?? false }, options)).leaveNode;
  }

  /** Asks the node's hypervisor manager how the host is; an unreachable host is a result, not an error. */
  async probe(id: string, options?: RequestOptions): Promise<NodeProbeResult> {
    return (await this.request(Ops.ProbeNodeDocument, { id }, options)).probeNode;
  }

  /** Issues (or replaces, revoking the old one) the node agent's token; shown this one time only. */
  async issueAgentToken(nodeId: string, options?: RequestOptions): Promise<NodeAgentToken> {
    return (await this.request(Ops.IssueNodeAgentTokenDocument, { nodeId }, options)).issueNodeAgentToken;
  }

  /** Revokes the node agent's token (its agent is refused from then on); without a token, changes nothing. */
  async revokeAgentToken(nodeId: string, options?: RequestOptions): Promise<ClusterNode> {
    return (await this.request(Ops.RevokeNodeAgentTokenDocument, { nodeId }, options)).revokeNodeAgentToken;
  }

  /**
   * Dry run: what would happen if this node failed now (fencing, quorum, where each service would
   * go, in which order and wave, which would fail and why), by the same planner as recovery.
   */
  async failoverPlan(nodeId: string, options?: RequestOptions): Promise<FailoverPlan> {
    return (await this.request(Ops.GetFailoverPlanDocument, { nodeId }, options)).failoverPlan;
  }

  /**
   * Reports that an external monitor saw the node fail (Pacemaker alerts, masakari-monitors style).
   * The failure detector still confirms it itself before declaring a failure.
   */
  async reportFailure(input: Ops.ReportNodeFailureInput, options?: RequestOptions): Promise<NodeFailureReport> {
    return (await this.request(Ops.ReportNodeFailureDocument, { input }, options)).reportNodeFailure;
  }

  /** Powers the node on, waits until its hypervisor answers, and ends its maintenance. */
  startup(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StartupNodeDocument, { id }, options, (r) => r.startupNode);
  }

  /** Maintenance on, services moved off (as evacuate), then powered off; it stays in maintenance. */
  shutdown(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.ShutdownNodeDocument, { id }, options, (r) => r.shutdownNode);
  }

  /** Maintenance on, services moved off, reboot, wait for the hypervisor, maintenance off. */
  reboot(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.RebootNodeDocument, { id }, options, (r) => r.rebootNode);
  }

  /** Maintenance on, and every running service moved off, highest priority first, where placement says. */
  evacuate(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.EvacuateNodeDocument, { id }, options, (r) => r.evacuateNode);
  }
}

/** Resources: VMs, virtual IPs, applications and volumes. */
export class ResourcesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Resource> {
    return (await this.request(Ops.GetResourceDocument, { id }, options)).resource;
  }

  list(params?: Ops.ResourceFilter & ListOptions, options?: ListOptions): Paginated<Resource> {
    const split = splitListParams<Ops.ResourceFilter>(params, options);
    return this.paginate(Ops.ListResourcesDocument, { filter: split.filter }, (r) => r.resources, split.options);
  }

  /** Creates a resource (in no service yet); give exactly the spec field of its `type`. */
  async create(input: Ops.CreateResourceInput, options?: RequestOptions): Promise<Resource> {
    return (await this.request(Ops.CreateResourceDocument, { input }, options)).createResource;
  }

  /** Replaces the type-specific spec (the type cannot change). */
  async update(input: Ops.UpdateResourceInput, options?: RequestOptions): Promise<Resource> {
    return (await this.request(Ops.UpdateResourceDocument, { input }, options)).updateResource;
  }

  async setAttributes(id: string, change: Ops.AttributeChangeInput, options?: RequestOptions): Promise<Resource> {
    return (await this.request(Ops.SetResourceAttributesDocument, { id, change }, options)).setResourceAttributes;
  }

  /** Destroys a resource; CONFLICT while it is in a service unless `force` (it leaves the service). */
  async destroy(id: string, options: ForceOptions = {}): Promise<Resource> {
    return (await this.request(Ops.DestroyResourceDocument, { id, force: options.force ?? false }, options)).destroyResource;
  }
}
