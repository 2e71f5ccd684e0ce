/** Every data source the provider serves. */
import type { DataSourceType } from '../framework/data-source';
import { clusterDataSource, clustersDataSource } from './cluster.data-source';
import { fenceAgentDataSource } from './fence-agent.data-source';
import { failoverPlanDataSource, serviceDataSource } from './service.data-source';

export const dataSourceTypes: readonly DataSourceType[] = [clusterDataSource, clustersDataSource, fenceAgentDataSource, failoverPlanDataSource, serviceDataSource];
