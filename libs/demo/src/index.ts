export { startDemoDatacenter, waitForOperation } from './demo-datacenter';
export type { DemoDatacenter, DemoHost, DemoOptions, DemoService } from './demo-datacenter';
export { GraphQLCaller } from './graphql.client';
