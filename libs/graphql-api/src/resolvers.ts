import { AgentTokenResolver } from './agent-tokens/agent-token.resolver';
import { AuditLogResolver } from './audit/audit-log.resolver';
import { ClusterLogResolver } from './cluster-log/cluster-log.resolver';
import { EventResolver } from './cluster-log/event.resolver';
import { ClusterInventoryResolver } from './clusters/cluster-inventory.resolver';
import { ClusterResolver } from './clusters/cluster.resolver';
import { FailureReportResolver } from './detector/failure-report.resolver';
import { ClusterFencingResolver } from './fencing/cluster-fencing.resolver';
import { FencingAssociationResolver } from './fencing/fencing-association.resolver';
import { FencingDeviceResolver } from './fencing/fencing-device.resolver';
import { NodeFencingResolver } from './fencing/node-fencing.resolver';
import { NodeAgentResolver } from './nodes/node-agent.resolver';
import { NodeResolver } from './nodes/node.resolver';
import { OPERATION_RESOLVERS } from './operations/operations.resolvers';
import { PROBE_RESOLVERS } from './probes/probes.resolvers';
import { RateLimitsResolver } from './rate-limits/rate-limits.resolver';
import { ResourceResolver } from './resources/resource.resolver';
import { SERVICE_GROUP_RESOLVERS } from './service-groups/service-groups.resolvers';
import { TenantResolver, ViewerResolver } from './tenants/tenant.resolver';
import { WebhookResolver } from './webhooks/webhook.resolver';

/** Every resolver of the API, one folder per model; the schema generator and the module both use this list. */
export const RESOLVERS = [
  ClusterResolver,
  ClusterInventoryResolver,
  NodeResolver,
  NodeAgentResolver,
  ResourceResolver,
  ...SERVICE_GROUP_RESOLVERS,
  FencingDeviceResolver,
  FencingAssociationResolver,
  NodeFencingResolver,
  ClusterFencingResolver,
  EventResolver,
  ClusterLogResolver,
  TenantResolver,
  ViewerResolver,
  ...PROBE_RESOLVERS,
  AgentTokenResolver,
  FailureReportResolver,
  ...OPERATION_RESOLVERS,
  RateLimitsResolver,
  WebhookResolver,
  AuditLogResolver,
];
