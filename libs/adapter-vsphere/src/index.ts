export { VsphereAdapter, sdkUrl } from './vsphere.adapter';
export { VsphereHost } from './vsphere.host';
