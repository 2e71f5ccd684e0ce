import { FailoverDomainService } from './failover-domain.service';
import { ServiceGroupService } from './service-group.service';

/** Application services of services (resource groups) and failover domains. */
export const SERVICE_GROUP_SERVICES = [FailoverDomainService, ServiceGroupService];
