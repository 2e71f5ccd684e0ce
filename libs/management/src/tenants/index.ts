export { TenantService, MAX_QUOTA_VALUE } from './tenant.service';
export type { CreateTenant, SetTenantQuota, TenantUsage } from './tenant.service';
export { TenantDirectoryService } from './tenant-directory.service';
