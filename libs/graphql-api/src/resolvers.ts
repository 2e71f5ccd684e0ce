import { AgentTokenResolver } from './agent-tokens/agent-token.resolver';
import { ClusterResolver } from './clusters/cluster.resolver';
import { FailureReportResolver } from './detector/failure-report.resolver';
import { FENCING_AND_LOG_RESOLVERS } from './fencing-and-log/fencing-and-log.resolvers';
import { AuditLogResolver } from './audit/audit-log.resolver';
import { INVENTORY_RESOLVERS } from './inventory/inventory.resolvers';
import { OPERATION_RESOLVERS } from './operations/operations.resolvers';
import { RateLimitsResolver } from './rate-limits/rate-limits.resolver';
import { PROBE_RESOLVERS } from './probes/probes.resolvers';
import { SERVICE_GROUP_RESOLVERS } from './service-groups/service-groups.resolvers';
import { WebhookResolver } from './webhooks/webhook.resolver';

/** Every resolver of the API; the schema generator and the module both use this list. */
export const RESOLVERS = [ClusterResolver, ...INVENTORY_RESOLVERS, ...SERVICE_GROUP_RESOLVERS, ...FENCING_AND_LOG_RESOLVERS, ...PROBE_RESOLVERS, AgentTokenResolver, FailureReportResolver, ...OPERATION_RESOLVERS, RateLimitsResolver, WebhookResolver, AuditLogResolver];
