/**
 * The namespaces of {@link HaaasClient}: one class per kind of object, each method one GraphQL
 * operation of src/operations. Methods mirror the API: mutations that take an `input` object take
 * it as is; those with separate arguments take them positionally.
 */
import { abortError, OperationFailedError, TimeoutError } from './errors.js';
import * as Ops from './generated/graphql.js';
import { type Connection, type ListOptions, Paginated, splitListParams, toPage } from './paginate.js';
import type { SubscriptionTransport } from './subscriptions.js';
import { anySignal, type GraphQLDocument, type InternalRequestOptions, newIdempotencyKey, type RequestOptions, sleep, type Transport } from './transport.js';
import type {
  Cluster,
  ClusterEvent,
  FailoverPlan,
  Incident,
  NodeFailureReport,
  Operation,
  FailoverDomain,
  FenceAgent,
  FencingAssociation,
  FencingDevice,
  FencingLevel,
  FencingTestResult,
  ClusterNode,
  NodeAgentToken,
  NodeProbeResult,
  Resource,
  Service,
  Tenant,
} from './types.js';

/**
 * What the namespaces share: the transport and the default page size.
 * @internal
 */
export interface NamespaceContext {
  readonly transport: Transport;
  readonly live: SubscriptionTransport;
  readonly pageSize: number;
}

/** Options of the actions (startCluster, relocateService, ...), which return an {@link Operation}. */
export interface ActionOptions extends RequestOptions {
  /**
   * Sent with the request so that a repeat returns the operation of the first request instead of a
   * second one (1-80 printable ASCII characters, per tenant). The SDK makes one when none is given,
   * which is what lets it retry an action after a network error: the API deduplicates it.
   */
  readonly idempotencyKey?: string;
}

/** `force` of the destructive mutations that have one. */
export interface ForceOptions extends RequestOptions {
  /** Go ahead although the object is in use (see each method). */
  readonly force?: boolean;
}

abstract class Namespace {
  /** @internal namespaces are made by {@link HaaasClient} */
  constructor(protected readonly ctx: NamespaceContext) {}

  protected request<R, V>(document: GraphQLDocument<R, V>, variables: V, options?: InternalRequestOptions): Promise<R> {
    return this.ctx.transport.request(document, variables, options);
  }

  /** An action: with an idempotency key (the caller's or a new one), so retrying it is safe. */
  protected async act<R, V>(document: GraphQLDocument<R, V>, variables: Omit<V, 'idempotencyKey'>, options: ActionOptions, pick: (r: R) => Operation): Promise<Operation> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    return pick(await this.request(document, { ...variables, idempotencyKey } as V, { signal: options.signal, idempotent: true }));
  }

  /** A lazily paged list over one connection-returning query. */
  protected paginate<R, V extends { first: number; after?: string | null | undefined }, T>(
    document: GraphQLDocument<R, V>,
    variables: Omit<V, 'first' | 'after'>,
    pick: (result: R) => Connection<T>,
    options: ListOptions,
  ): Paginated<T> {
    return new Paginated<T>(
      async ({ first, after, signal }) => toPage(pick(await this.request(document, { ...variables, first, after } as V, { signal }))),
      { ...options, pageSize: options.pageSize ?? this.ctx.pageSize },
    );
  }
}

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

/** Services: resource groups that start in order, stop in reverse and run together on one node. */
export class ServicesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.GetServiceDocument, { id }, options)).service;
  }

  list(params?: Ops.ServiceFilter & ListOptions, options?: ListOptions): Paginated<Service> {
    const split = splitListParams<Ops.ServiceFilter>(params, options);
    return this.paginate(Ops.ListServicesDocument, { filter: split.filter }, (r) => r.services, split.options);
  }

  /** Creates a STOPPED service with its policy and resources (in start order). */
  async create(input: Ops.CreateServiceInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.CreateServiceDocument, { input }, options)).createService;
  }

  /** Changes the HA policy; omitted fields keep their value. Priority: a HIGHER value recovers first. */
  async updatePolicy(input: Ops.UpdateServicePolicyInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.UpdateServicePolicyDocument, { input }, options)).updateServicePolicy;
  }

  /** Adds a free resource of the same cluster at a start position (default last). */
  async addResource(input: Ops.AddServiceResourceInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.AddServiceResourceDocument, { input }, options)).addServiceResource;
  }

  /** Takes a resource out of the service (the resource remains). */
  async removeResource(serviceId: string, resourceId: string, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.RemoveServiceResourceDocument, { serviceId, resourceId }, options)).removeServiceResource;
  }

  async setAttributes(id: string, change: Ops.AttributeChangeInput, options?: RequestOptions): Promise<Service> {
    return (await this.request(Ops.SetServiceAttributesDocument, { id, change }, options)).setServiceAttributes;
  }

  /** Destroys a service (its resources are released, not deleted); CONFLICT unless STOPPED, DISABLED or FAILED, or `force`. */
  async destroy(id: string, options: ForceOptions = {}): Promise<Service> {
    return (await this.request(Ops.DestroyServiceDocument, { id, force: options.force ?? false }, options)).destroyService;
  }

  /** Starts the service (resources in order) where it runs or on the best node; never while a VM of it is active elsewhere. */
  start(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StartServiceDocument, { id }, options, (r) => r.startService);
  }

  /** Stops the service (resources in reverse order, gracefully, then forced after its stop timeout). */
  stop(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.StopServiceDocument, { id }, options, (r) => r.stopService);
  }

  /** Stops the service and starts it again on the same node. */
  restart(id: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.RestartServiceDocument, { id }, options, (r) => r.restartService);
  }

  /** Moves the service to `targetNodeId` (placement must accept it), or to the best other node. */
  relocate(id: string, options: ActionOptions & { readonly targetNodeId?: string } = {}): Promise<Operation> {
    return this.act(Ops.RelocateServiceDocument, { id, targetNodeId: options.targetNodeId ?? null }, options, (r) => r.relocateService);
  }
}

/** Failover domains: prioritized node lists services run and fail over within. */
export class FailoverDomainsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.GetFailoverDomainDocument, { id }, options)).failoverDomain;
  }

  list(params?: Ops.FailoverDomainFilter & ListOptions, options?: ListOptions): Paginated<FailoverDomain> {
    const split = splitListParams<Ops.FailoverDomainFilter>(params, options);
    return this.paginate(Ops.ListFailoverDomainsDocument, { filter: split.filter }, (r) => r.failoverDomains, split.options);
  }

  /** Creates a domain; members are nodes of the same cluster, priority 1 the most preferred. */
  async create(input: Ops.CreateFailoverDomainInput, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.CreateFailoverDomainDocument, { input }, options)).createFailoverDomain;
  }

  /** Renames, changes flags or replaces the whole member list. */
  async update(input: Ops.UpdateFailoverDomainInput, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.UpdateFailoverDomainDocument, { input }, options)).updateFailoverDomain;
  }

  /** Deletes a domain; CONFLICT while a service uses it. */
  async delete(id: string, options?: RequestOptions): Promise<FailoverDomain> {
    return (await this.request(Ops.DeleteFailoverDomainDocument, { id }, options)).deleteFailoverDomain;
  }
}

/** Fencing devices and their place in the fencing topology of nodes. */
export class FencingDevicesApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.GetFencingDeviceDocument, { id }, options)).fencingDevice;
  }

  list(params?: Ops.FencingDeviceFilter & ListOptions, options?: ListOptions): Paginated<FencingDevice> {
    const split = splitListParams<Ops.FencingDeviceFilter>(params, options);
    return this.paginate(Ops.ListFencingDevicesDocument, { filter: split.filter }, (r) => r.fencingDevices, split.options);
  }

  /** Adds a device to a cluster, validated against its agent's metadata; secret options are never returned. */
  async add(input: Ops.AddFencingDeviceInput, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.AddFencingDeviceDocument, { input }, options)).addFencingDevice;
  }

  /** Sets and removes options and secret options, together. */
  async setOptions(input: Ops.SetFencingDeviceOptionsInput, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.SetFencingDeviceOptionsDocument, { input }, options)).setFencingDeviceOptions;
  }

  /** Deletes a device and removes it from every node's topology. */
  async delete(id: string, options?: RequestOptions): Promise<FencingDevice> {
    return (await this.request(Ops.DeleteFencingDeviceDocument, { id }, options)).deleteFencingDevice;
  }

  /** Puts the device in a node's fencing topology at a level (1 is tried first); CONFLICT if it already fences that node. */
  async associate(input: Ops.AssociateFencingDeviceInput, options?: RequestOptions): Promise<FencingAssociation> {
    return (await this.request(Ops.AssociateFencingDeviceDocument, { input }, options)).associateFencingDevice;
  }

  /** Takes the device out of a node's fencing topology. */
  async deassociate(deviceId: string, nodeId: string, options?: RequestOptions): Promise<FencingAssociation> {
    return (await this.request(Ops.DeassociateFencingDeviceDocument, { deviceId, nodeId }, options)).deassociateFencingDevice;
  }

  /** Tests without fencing: `status` of a node it fences, or `monitor` of the device when no node is given. */
  async test(id: string, options: RequestOptions & { readonly nodeId?: string } = {}): Promise<FencingTestResult> {
    return (await this.request(Ops.TestFencingDeviceDocument, { id, nodeId: options.nodeId ?? null }, options)).testFencingDevice;
  }
}

/** Fencing device types: the installed fence agents and the built-in ones. */
export class FenceAgentsApi extends Namespace {
  /** Every type available (not paged: a fixed, short list). */
  async list(options?: RequestOptions): Promise<FenceAgent[]> {
    return (await this.request(Ops.ListFenceAgentsDocument, {}, options)).fenceAgents;
  }

  /** One type with its parameters, e.g. `fence_ipmilan` or `builtin:libvirt`. */
  async get(name: string, options?: RequestOptions): Promise<FenceAgent> {
    return (await this.request(Ops.GetFenceAgentDocument, { name }, options)).fenceAgent;
  }
}

/** The cluster log. */
export class EventsApi extends Namespace {
  /** A cluster's log, newest first, filtered (types, node, service, object type, time range). */
  list(params: { readonly clusterId: string } & Ops.EventFilter & ListOptions, options?: ListOptions): Paginated<ClusterEvent> {
    const split = splitListParams<{ clusterId: string } & Ops.EventFilter>(params, options);
    const { clusterId, ...rest } = split.filter;
    return this.paginate(Ops.ListClusterEventsDocument, { clusterId, filter: rest }, (r) => r.clusterLog, split.options);
  }
}

/** Tenants and their quotas: platform admins only (`viewer()` on the client is for everyone). */
export class TenantsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.GetTenantDocument, { id }, options)).tenant;
  }

  list(options?: ListOptions): Paginated<Tenant> {
    const split = splitListParams<object>(undefined, options);
    return this.paginate(Ops.ListTenantsDocument, {}, (r) => r.tenants, split.options);
  }

  /** Creates a tenant ahead of its first request; CONFLICT if it exists. */
  async create(input: Ops.CreateTenantInput, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.CreateTenantDocument, { input }, options)).createTenant;
  }

  /** Sets (a number) or resets (null) quota limits; omitted ones are kept. */
  async setQuota(input: Ops.SetTenantQuotaInput, options?: RequestOptions): Promise<Tenant> {
    return (await this.request(Ops.SetTenantQuotaDocument, { input }, options)).setTenantQuota;
  }
}

/** Options of {@link OperationsApi.wait}. */
export interface WaitForOperationOptions extends RequestOptions {
  /** Called with the operation at each change seen (state, progress, steps). */
  readonly onProgress?: (operation: Operation) => void;
  /** Give up after this long with a {@link TimeoutError} (the operation goes on). Default: 15 minutes. */
  readonly timeoutMs?: number;
  /** Follow it over the `operationUpdated` subscription (needs graphql-ws) instead of polling. */
  readonly live?: boolean;
  /** The longest interval between two polls (default 1000 ms); polling starts at 50 ms and grows by half each time up to it. */
  readonly pollIntervalMs?: number;
  /** Resolve with a FAILED or CANCELLED operation instead of rejecting with {@link OperationFailedError}. */
  readonly resolveOnFailure?: boolean;
}

const FINAL_STATES: ReadonlySet<string> = new Set<Ops.OperationState>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** True once an operation has ended (SUCCEEDED, FAILED or CANCELLED). */
export function isOperationFinished(operation: Pick<Operation, 'state'>): boolean {
  return FINAL_STATES.has(operation.state);
}

/** Operations: what the actions (start, stop, relocate, ...) return, run by a worker. */
export class OperationsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Operation> {
    return (await this.request(Ops.GetOperationDocument, { id }, options)).operation;
  }

  /** Operations of the tenant, newest first. */
  list(params?: Ops.OperationFilter & ListOptions, options?: ListOptions): Paginated<Operation> {
    const split = splitListParams<Ops.OperationFilter>(params, options);
    return this.paginate(Ops.ListOperationsDocument, { filter: split.filter }, (r) => r.operations, split.options);
  }

  /**
   * Waits until the operation ends and resolves with it (SUCCEEDED), or rejects with
   * {@link OperationFailedError} (FAILED, CANCELLED), {@link TimeoutError} after `timeoutMs`, or the
   * signal's reason. `onProgress` sees each change on the way.
   *
   * ```ts
   * const op = await client.services.relocate(serviceId, { targetNodeId });
   * await client.operations.wait(op.id, { onProgress: (o) => console.log(o.progress, o.steps.at(-1)?.name) });
   * ```
   */
  async wait(id: string, options: WaitForOperationOptions = {}): Promise<Operation> {
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    let last: Operation | undefined;
    const seen = (op: Operation): Operation | undefined => {
      if (!last || op.updatedAt !== last.updatedAt || op.state !== last.state || op.progress !== last.progress) options.onProgress?.(op);
      last = op;
      if (!isOperationFinished(op)) return undefined;
      if (op.state !== 'SUCCEEDED' && !options.resolveOnFailure) throw new OperationFailedError(op);
      return op;
    };
    // the time limit starts after the first look: an operation that has already ended is
    // answered whatever `timeoutMs` says (only the caller's signal stops that first request)
    const timeout = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signal = anySignal([options.signal, timeout.signal]);
    try {
      const updates = options.live ? new SubscriptionsApi(this.ctx).operationUpdated(id, { signal: signal.signal }) : this.poll(id, options.pollIntervalMs ?? 1000, signal.signal);
      for await (const op of updates) {
        const done = seen(op);
        if (done) return done;
        timer ??= setTimeout(() => timeout.abort(), timeoutMs);
      }
      // a live stream that ended without a final state (cannot happen with polling)
      return last ?? (await this.get(id, { signal: options.signal }));
    } catch (e) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (timeout.signal.aborted) throw new TimeoutError(`operation ${id} still ${last?.state ?? 'unknown'} after ${timeoutMs} ms`, { code: 'TIMEOUT', operation: last });
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      signal.clear();
    }
  }

  /**
   * Polls with a short, growing interval (50 ms, then x1.5 up to `maxIntervalMs`): most operations
   * end within seconds, and an operation that ends soon after it was looked at is seen soon after,
   * not a whole interval later; a long one costs about one request per `maxIntervalMs`.
   */
  private async *poll(id: string, maxIntervalMs: number, signal: AbortSignal): AsyncGenerator<Operation, void, undefined> {
    for (let interval = Math.min(50, maxIntervalMs); ; interval = Math.min(maxIntervalMs, interval * 1.5)) {
      const op = await this.get(id, { signal });
      yield op;
      if (isOperationFinished(op)) return;
      await sleep(interval, signal);
    }
  }
}

/** Incidents: one per host failure, with its fencing and the recovery of each service. */
export class IncidentsApi extends Namespace {
  async get(id: string, options?: RequestOptions): Promise<Incident> {
    return (await this.request(Ops.GetIncidentDocument, { id }, options)).incident;
  }

  /** Incidents of the tenant, newest first. */
  list(params?: Ops.IncidentFilter & ListOptions, options?: ListOptions): Paginated<Incident> {
    const split = splitListParams<Ops.IncidentFilter>(params, options);
    return this.paginate(Ops.ListIncidentsDocument, { filter: split.filter }, (r) => r.incidents, split.options);
  }

  /**
   * Attests that the node of an incident waiting for a failed fence is off, so recovery proceeds;
   * `note` (who checked, how) is logged with you. Never for a node you have not seen off.
   */
  confirmNodeFenced(incidentId: string, note: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.ConfirmNodeFencedDocument, { incidentId, note }, options, (r) => r.confirmNodeFenced);
  }

  /** Fences the incident's node again from its first level (its device was fixed). */
  retry(incidentId: string, options: ActionOptions & { readonly note?: string } = {}): Promise<Operation> {
    return this.act(Ops.RetryIncidentDocument, { incidentId, note: options.note ?? null }, options, (r) => r.retryIncident);
  }

  /** Stops the incident's recovery: its unsettled services are FAILED with `note`. */
  cancel(incidentId: string, note: string, options: ActionOptions = {}): Promise<Operation> {
    return this.act(Ops.CancelIncidentDocument, { incidentId, note }, options, (r) => r.cancelIncident);
  }
}

/**
 * Live updates over graphql-ws (an optional peer dependency: `npm install graphql-ws`; in Node 20
 * pass `webSocketImpl` from `ws`). Both survive dropped connections and token expiry: they
 * reconnect with backoff and a fresh token, and resume without gaps or repeats.
 */
export class SubscriptionsApi extends Namespace {
  /**
   * The cluster log as it is appended. With `after` (an event id, e.g. the newest of
   * `events.list()`), the events after it come first, then the live ones.
   *
   * ```ts
   * for await (const event of client.subscriptions.clusterEvents({ clusterId })) console.log(event.type);
   * ```
   */
  clusterEvents(params: { readonly clusterId: string; readonly after?: string | null } & RequestOptions, options: RequestOptions = {}): AsyncGenerator<ClusterEvent, void, undefined> {
    const { clusterId, after = null } = params;
    const signal = options.signal ?? params.signal;
    return this.ctx.live.resuming(
      Ops.ClusterEventsDocument,
      (r) => r.clusterEvents,
      {
        // resume after the last event delivered; ids are time-ordered UUIDv7, so a repeat is one not greater than it
        variables: (last) => ({ clusterId, after: last?.id ?? after }),
        isNew: (event, last) => !last || event.id > last.id,
        isFinished: () => false,
      },
      { signal },
    );
  }

  /** The operation now, then at each change; ends when the operation does. */
  operationUpdated(id: string, options: RequestOptions = {}): AsyncGenerator<Operation, void, undefined> {
    return this.ctx.live.resuming(
      Ops.OperationUpdatedDocument,
      (r) => r.operationUpdated,
      {
        variables: () => ({ id }),
        // after a reconnection the API sends the current state again: skip it when nothing changed
        isNew: (op, last) => !last || op.updatedAt !== last.updatedAt || op.state !== last.state || op.progress !== last.progress,
        isFinished: (last) => last !== undefined && isOperationFinished(last),
      },
      options,
    );
  }
}
