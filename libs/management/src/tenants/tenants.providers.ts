import { TenantDirectoryService } from './tenant-directory.service';
import { TenantService } from './tenant.service';

/** Application services of tenants. */
export const TENANT_SERVICES = [TenantService, TenantDirectoryService];
