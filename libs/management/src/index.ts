export * from './records';
export * from './management.tokens';
export { ManagementModule } from './management.module';
export { QuotaService } from './quota.service';
export { ClusterService } from './cluster.service';
export type { CreateCluster, UpdateCluster, ClusterFilter } from './cluster.service';
export * from './inventory';
export * from './service-groups';
export * from './fencing-and-log';
