export { FencingDeviceService, fencingSnapshot } from './fencing-device.service';
export type { AddFencingDevice, SetFencingDeviceOptions, AssociateFencingDevice, FencingDeviceFilter, FencingLevelRecord } from './fencing-device.service';
export { FENCE_AGENT_CATALOG, SyntaxOnlyFenceAgentCatalog } from './fence-agent.catalog';
export type { FenceAgentCatalog, FenceAgentCheck, FenceAgentOptionRef } from './fence-agent.catalog';
export type { FencingOptionValue, FencingOptionChange, FencingOptionMap } from './fencing-options.rules';
export { MAX_FENCING_OPTIONS } from './fencing-options.rules';
export {
  fencingSecretOptionKeys,
  openFencingSecrets,
  sealFencingSecrets,
  fencingDeviceSecretContext,
  fencingAssociationSecretContext,
} from './sealed-options.codec';
export { EventLogService, checkEventFilter, MAX_EVENT_TYPES_IN_FILTER } from './event-log.service';
export type { EventFilter } from './event-log.service';
export { uuidv7Time } from './event-range.util';
export { TenantService, MAX_QUOTA_VALUE } from './tenant.service';
export type { CreateTenant, SetTenantQuota, TenantUsage } from './tenant.service';
export { TenantDirectoryService } from './tenant-directory.service';
