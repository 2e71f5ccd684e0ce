import { TenantDirectoryService } from './tenant-directory.service';
import { TenantService } from './tenant.service';
import { KeystoneAuditService } from './keystone-audit.service';

/** Application services of tenants. */
export const TENANT_SERVICES = [TenantService, TenantDirectoryService, KeystoneAuditService];
