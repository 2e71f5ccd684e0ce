import { EventLogService } from './event-log.service';
import { FencingDeviceService } from './fencing-device.service';
import { TenantDirectoryService } from './tenant-directory.service';
import { TenantService } from './tenant.service';

/** Application services of fencing devices, the cluster log and tenants. */
export const FENCING_AND_LOG_SERVICES = [
  // FENCE_AGENT_CATALOG is bound with the probes (the metadata of the installed agents)
  FencingDeviceService,
  EventLogService,
  TenantService,
  TenantDirectoryService,
];
