import type DataLoader from 'dataloader';
import { NotFoundError, TenantScope } from '@haaas/domain';
import { ClusterService } from '@haaas/management';
import { Cluster } from './cluster.model';
import { toCluster } from './cluster.resolver';
import { byKeys, GraphQLContext } from '../common/loaders';

/** Clusters by id for the whole request: one statement for all nodes and resources asking. */
export function clusterLoader(ctx: GraphQLContext, scope: TenantScope, clusters: ClusterService): DataLoader<string, Cluster | null> {
  return ctx.loaders.get<Cluster | null>('inventory.clusterById', null, async (ids) => {
    const rows = await clusters.byIds(scope, ids);
    return byKeys<Cluster | null>(ids, new Map(rows.map((r) => [r.id, toCluster(r)])), () => null);
  });
}

/** The cluster of a node or resource, batched. */
export async function loadCluster(ctx: GraphQLContext, scope: TenantScope, clusters: ClusterService, id: string): Promise<Cluster> {
  const cluster = await clusterLoader(ctx, scope, clusters).load(id);
  // rows cascade with their cluster, so this only happens if it is destroyed mid-request
  if (!cluster) throw new NotFoundError('Cluster', id);
  return cluster;
}
