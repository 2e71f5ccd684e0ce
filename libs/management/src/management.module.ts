import { DynamicModule, Module } from '@nestjs/common';
import { ClusterService } from './cluster.service';
import { CLUSTER_LOG_SERVICES } from './cluster-log/cluster-log.providers';
import { FENCING_SERVICES } from './fencing/fencing.providers';
import { INVENTORY_SERVICES } from './inventory/inventory.providers';
import { DEFAULT_QUOTA, ManagementOptions, SECRET_SEALER } from './management.tokens';
import { PROBE_SERVICES } from './probes/probes.providers';
import { HYPERVISOR_ADAPTERS } from './probes/probes.tokens';
import { QuotaService } from './quota.service';
import { SERVICE_GROUP_SERVICES } from './service-groups/service-groups.providers';
import { TENANT_SERVICES } from './tenants/tenants.providers';

const SERVICES = [ClusterService, QuotaService, ...INVENTORY_SERVICES, ...SERVICE_GROUP_SERVICES, ...FENCING_SERVICES, ...CLUSTER_LOG_SERVICES, ...TENANT_SERVICES, ...PROBE_SERVICES];

/** Application services of the management API. Needs the persistence module's Store (global). */
@Module({})
export class ManagementModule {
  static forRoot(options: ManagementOptions): DynamicModule {
    return {
      module: ManagementModule,
      // global: the transport and auth modules use these services without re-importing the module
      global: true,
      providers: [{ provide: DEFAULT_QUOTA, useValue: options.defaultQuota }, { provide: SECRET_SEALER, useValue: options.sealer },
        { provide: HYPERVISOR_ADAPTERS, useValue: options.adapters }, ...SERVICES],
      exports: [...SERVICES, HYPERVISOR_ADAPTERS, SECRET_SEALER],
    };
  }
}
