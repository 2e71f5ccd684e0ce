import { Hypervisor } from '@haaas/domain';
import type { HypervisorAdapter, HypervisorEndpoint } from '@haaas/hypervisor';
import { type KvmHost, type KvmHostOptions, VirshKvmHost } from './kvm.host';

export type KvmAdapterOptions = KvmHostOptions;

/**
 * KVM (and any libvirt driver) through libvirt's own client, virsh. An endpoint is a libvirt URI per
 * node: qemu+ssh://root@node/system, qemu+tls://node/system, qemu+tcp://node/system, qemu:///system,
 * test+unix:///default?socket=... (tests). Credentials, when given, reach libvirt through an auth file.
 */
export class KvmAdapter implements HypervisorAdapter {
  readonly hypervisor = Hypervisor.KVM;

  constructor(private readonly options: KvmAdapterOptions = {}) {}

  /** Throws AdapterError FAILED for a URI that is not a libvirt URI or when virsh is missing. */
  connect(endpoint: HypervisorEndpoint): KvmHost {
    return new VirshKvmHost(endpoint, this.options);
  }
}
