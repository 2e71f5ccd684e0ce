export { FailoverDomainService } from './failover-domain.service';
export type { CreateFailoverDomain, UpdateFailoverDomain, FailoverDomainFilter } from './failover-domain.service';
export { ServiceGroupService } from './service-group.service';
export type { CreateService, AddServiceResource, UpdateServicePolicy, ServiceFilter } from './service-group.inputs';
export type { ServicePolicyChange, ServiceRowFilter } from './service-groups.rules';
