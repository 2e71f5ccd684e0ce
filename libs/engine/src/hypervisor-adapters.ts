import { HypervAdapter } from '@haaas/adapter-hyperv';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { VsphereAdapter } from '@haaas/adapter-vsphere';
import { Hypervisor } from '@haaas/domain';
import { pooledAdapters } from '@haaas/hypervisor';
import type { HypervisorAdapter } from '@haaas/hypervisor';
import type { HypervisorAdapters } from '@haaas/management';

/**
 * The adapters a process drives, one per hypervisor (API probes and tests, worker recovery), each
 * keeping its connections between steps (see PooledAdapter; the management module closes them at
 * shutdown).
 */
export function hypervisorAdapters(): HypervisorAdapters {
  return pooledAdapters(
    new Map<Hypervisor, HypervisorAdapter>([
      [Hypervisor.KVM, new KvmAdapter()],
      [Hypervisor.VSPHERE, new VsphereAdapter()],
      [Hypervisor.HYPERV, new HypervAdapter()],
    ]),
  );
}
