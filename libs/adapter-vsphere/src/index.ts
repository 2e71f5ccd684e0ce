export { VsphereAdapter, sdkUrl } from './vsphere.adapter';
export type { VsphereAdapterOptions } from './vsphere.adapter';
export { VsphereHost } from './vsphere.host';
export { VcenterHostWatch, WATCHED_HOST_PATHS } from './vcenter-host.watch';
export type { VcenterHostWatchOptions } from './vcenter-host.watch';
