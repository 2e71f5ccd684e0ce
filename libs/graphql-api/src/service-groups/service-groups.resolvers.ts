import { ClusterServiceGroupsResolver } from './cluster-service-groups.resolver';
import { FailoverDomainMemberResolver, FailoverDomainResolver } from './failover-domain.resolver';
import { ResourceServiceResolver } from './resource-service.resolver';
import { ServicePolicyResolver, ServiceResolver } from './service.resolver';

/** Resolvers of services (resource groups) and failover domains. */
export const SERVICE_GROUP_RESOLVERS = [
  FailoverDomainResolver,
  FailoverDomainMemberResolver,
  ServiceResolver,
  ServicePolicyResolver,
  ClusterServiceGroupsResolver,
  ResourceServiceResolver,
];
