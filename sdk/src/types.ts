/**
 * Names for the objects the SDK returns. Each is the type of a fragment in
 * src/operations/fragments.graphql, so it lists exactly the fields the SDK asks for.
 */
import type {
  ClusterFieldsFragment,
  EventFieldsFragment,
  FailoverDomainFieldsFragment,
  FenceAgentFieldsFragment,
  FencingAssociationFieldsFragment,
  FencingDeviceFieldsFragment,
  GetFailoverPlanQuery,
  GetNodeFencingTopologyQuery,
  GetViewerQuery,
  IncidentFieldsFragment,
  IssueNodeAgentTokenMutation,
  NodeFieldsFragment,
  OperationFieldsFragment,
  ProbeNodeMutation,
  ReportNodeFailureMutation,
  ResourceFieldsFragment,
  ServiceFieldsFragment,
  TenantFieldsFragment,
  TenantRateLimitsFieldsFragment,
  AuditEntryFieldsFragment,
  ListEventTypesQuery,
  TestFencingDeviceMutation,
  WebhookDeliveryFieldsFragment,
  WebhookFieldsFragment,
} from './generated/graphql.js';
import type { EventObjectTypes, EventType } from './generated/event-types.js';

/** A set of hypervisor hosts managed together. */
export type Cluster = ClusterFieldsFragment;
/** A hypervisor host (or a VM acting as one) of a cluster. */
export type ClusterNode = NodeFieldsFragment;
/**
 * The old name of {@link ClusterNode}.
 * @deprecated `Node` is also the DOM's `Node` (a global in browser projects): use `ClusterNode`.
 */
export type Node = ClusterNode;
/** An outbound webhook of a cluster (its secret is write-only). */
export type Webhook = WebhookFieldsFragment;
/** One event sent (or being sent) to one webhook, and how it went. */
export type WebhookDelivery = WebhookDeliveryFieldsFragment;
/** The version and last heartbeat of a node's agent (`node.agent`; null when no agent ever sent one). */
export type NodeAgentStatus = NonNullable<ClusterNode['agent']>;
/** A VM, virtual IP, application or volume. */
export type Resource = ResourceFieldsFragment;
/** A resource group that starts, stops and moves together. Its `policy.priority` is 1-1000, and a HIGHER value recovers first. */
export type Service = ServiceFieldsFragment;
/** A prioritized list of nodes (a member priority of 1 is the MOST preferred, as in rgmanager). */
export type FailoverDomain = FailoverDomainFieldsFragment;
/** A fence agent or built-in fencing device of a cluster; secret options are write-only. */
export type FencingDevice = FencingDeviceFieldsFragment;
/** A fencing device in the fencing topology of one node. */
export type FencingAssociation = FencingAssociationFieldsFragment;
/** One level of a node's fencing topology. */
export type FencingLevel = GetNodeFencingTopologyQuery['node']['fencingTopology'][number];
/** A fencing device type (an installed fence agent or a built-in one) with its parameters. */
export type FenceAgent = FenceAgentFieldsFragment;
/**
 * An entry of the cluster log, narrowed by its `type` (one of the catalogue's: switch on it and
 * `objectType` follows). `before`/`after` are snapshots of that object, never with secrets.
 */
export type ClusterEvent = {
  [T in EventType]: Omit<EventFieldsFragment, 'type' | 'objectType'> & { readonly type: T; readonly objectType: EventObjectTypes[T] };
}[EventType];
/** One of the cluster log's event types, with what its events are about and what it means. */
export type EventTypeInfo = ListEventTypesQuery['eventTypes'][number];
/** A tenant with its quota and usage. */
export type Tenant = TenantFieldsFragment;
/** A tenant's request rate limits (effective, and its own overrides). */
export type TenantRateLimits = TenantRateLimitsFieldsFragment;
/** One entry of the audit log (tenant-level and admin actions; platform admins only). */
export type AuditEntry = AuditEntryFieldsFragment;
/** The caller: token subject, roles and tenant. */
export type Viewer = GetViewerQuery['viewer'];
/** The answer of a node's hypervisor manager to a probe. */
export type NodeProbeResult = ProbeNodeMutation['probeNode'];
/** A node agent token, shown once. */
export type NodeAgentToken = IssueNodeAgentTokenMutation['issueNodeAgentToken'];
/** The answer of a fencing device to a harmless test action. */
export type FencingTestResult = TestFencingDeviceMutation['testFencingDevice'];
/** An action run by a worker: state, progress 0-100, steps, error, attempts, timings. */
export type Operation = OperationFieldsFragment;
/** One step of an operation. */
export type OperationStep = Operation['steps'][number];
/** A host failure: detection, fencing by level, and the recovery of each service, with timings. */
export type Incident = IncidentFieldsFragment;
/** The recovery of one service in an incident. */
export type ServiceRecovery = Incident['services'][number];
/** A dry run of a node's failure. */
export type FailoverPlan = GetFailoverPlanQuery['failoverPlan'];
/** The answer to an external failure report. */
export type NodeFailureReport = ReportNodeFailureMutation['reportNodeFailure'];
