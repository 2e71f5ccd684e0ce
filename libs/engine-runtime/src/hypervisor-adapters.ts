import { readFileSync } from 'node:fs';
import { HypervAdapter } from '@haaas/adapter-hyperv';
import { KvmAdapter } from '@haaas/adapter-kvm';
import { VsphereAdapter, type VsphereAdapterOptions } from '@haaas/adapter-vsphere';
import { Hypervisor } from '@haaas/domain';
import { pooledAdapters } from '@haaas/hypervisor';
import type { HypervisorAdapter } from '@haaas/hypervisor';
import type { HypervisorAdapters } from '@haaas/management';

export interface HypervisorAdaptersOptions {
  readonly vsphere?: VsphereAdapterOptions;
}

/** The adapters' options from the configuration (HAAAS_VSPHERE_*); reads the CA file, so call it once at start. */
export function hypervisorAdapterOptions(config: { readonly vsphere?: { readonly caFile?: string; readonly resyncSeconds: number } }): HypervisorAdaptersOptions {
  const v = config.vsphere;
  if (!v) return {};
  let ca: string | undefined;
  if (v.caFile) {
    try {
      ca = readFileSync(v.caFile, 'utf8');
    } catch (err) {
      throw new Error(`HAAAS_VSPHERE_CA_FILE: cannot read ${v.caFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { vsphere: { ...(ca ? { ca } : {}), watch: { resyncSeconds: v.resyncSeconds } } };
}

/**
 * The adapters a process drives, one per hypervisor (API probes and tests, worker recovery), each
 * keeping its connections between steps (see PooledAdapter; the management module closes them at
 * shutdown).
 */
export function hypervisorAdapters(options: HypervisorAdaptersOptions = {}): HypervisorAdapters {
  return pooledAdapters(
    new Map<Hypervisor, HypervisorAdapter>([
      [Hypervisor.KVM, new KvmAdapter()],
      [Hypervisor.VSPHERE, new VsphereAdapter(options.vsphere)],
      [Hypervisor.HYPERV, new HypervAdapter()],
    ]),
  );
}
