import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { closeAdapterPools } from '@haaas/hypervisor';
import { HYPERVISOR_ADAPTERS } from './probes.tokens';
import type { HypervisorAdapters } from './probes.tokens';

/** Closes the hypervisor connections the pooled adapters keep between steps, when the process stops. */
@Injectable()
export class AdapterPoolsCloser implements OnApplicationShutdown {
  constructor(@Inject(HYPERVISOR_ADAPTERS) private readonly adapters: HypervisorAdapters) {}

  async onApplicationShutdown(): Promise<void> {
    await closeAdapterPools(this.adapters);
  }
}
