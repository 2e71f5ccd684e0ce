import { EventLogService } from './event-log.service';
import { FENCE_AGENT_CATALOG, SyntaxOnlyFenceAgentCatalog } from './fence-agent.catalog';
import { FencingDeviceService } from './fencing-device.service';
import { TenantDirectoryService } from './tenant-directory.service';
import { TenantService } from './tenant.service';

/** Application services of fencing devices, the cluster log and tenants. */
export const FENCING_AND_LOG_SERVICES = [
  // replaced by the metadata-reading catalog when the fence-agent adapters land
  { provide: FENCE_AGENT_CATALOG, useClass: SyntaxOnlyFenceAgentCatalog },
  FencingDeviceService,
  EventLogService,
  TenantService,
  TenantDirectoryService,
];
