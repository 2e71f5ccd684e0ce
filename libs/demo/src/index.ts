export { startDemoDatacenter, waitForOperation } from './demo-datacenter';
export type { DemoDatacenter, DemoHost, DemoOptions, DemoService } from './demo-datacenter';
export { GraphQLCaller } from './graphql.client';
export { configureVsphereCluster, startVsphereLab, VSPHERE_SERVICES } from './vsphere-datacenter';
export type { VsphereDatacenter, VsphereDemoService, VsphereLab, VsphereLabHost, VsphereLabOptions } from './vsphere-datacenter';
