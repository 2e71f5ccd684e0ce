import { NotFoundError, TenantScope } from '@haaas/domain';
import { ClusterRecord, ClusterService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toCluster } from '../clusters/cluster.resolver';
import { byKeys, GraphQLContext } from '../common/loaders';

/** The cluster of a node or resource, batched: one statement for all parents of a request. */
export async function loadCluster(ctx: GraphQLContext, scope: TenantScope, clusters: ClusterService, id: string): Promise<Cluster> {
  const loader = ctx.loaders.get<ClusterRecord | null>('inventory.clusterById', null, async (ids) => {
    const rows = await clusters.byIds(scope, ids);
    return byKeys<ClusterRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  const row = await loader.load(id);
  // rows cascade with their cluster, so this only happens if it is destroyed mid-request
  if (!row) throw new NotFoundError('Cluster', id);
  return toCluster(row);
}
