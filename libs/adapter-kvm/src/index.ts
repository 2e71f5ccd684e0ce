export { KvmAdapter, type KvmAdapterOptions } from './kvm.adapter';
export { type KvmHost, type KvmHostOptions, type KvmTransportKind } from './kvm.host';
export { type KvmEventWatch, type WatchEnd, type WatchEventsOptions } from './kvm-events.watch';
export { type KvmDomainEvent } from './virsh.parse';
export { classifyVirshError } from './virsh.errors';
export { parseLibvirtUri, type LibvirtUri } from './libvirt-uri.util';
