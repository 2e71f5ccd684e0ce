import { NotFoundError, TenantScope } from '@haaas/domain';
import { ClusterService, FencingDeviceService } from '@haaas/management';
import type { ClusterRecord, FencingDeviceRecord, NodeRecord } from '@haaas/management';
import { byKeys, GraphQLContext } from '../common/loaders';

/*
 * Per-request batched lookups of the fencing area: one statement per kind of parent for all
 * rows of a response, whatever their number. Rows cascade with their parents, so a missing one
 * means it was removed mid-request: NOT_FOUND.
 */

export async function loadFencingDevice(ctx: GraphQLContext, scope: TenantScope, devices: FencingDeviceService, id: string): Promise<FencingDeviceRecord> {
  const loader = ctx.loaders.get<FencingDeviceRecord | null>('fencing.deviceById', null, async (ids) => {
    const rows = await devices.byIds(scope, ids);
    return byKeys<FencingDeviceRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  const row = await loader.load(id);
  if (!row) throw new NotFoundError('FencingDevice', id);
  return row;
}

export async function loadFencingNode(ctx: GraphQLContext, scope: TenantScope, devices: FencingDeviceService, id: string): Promise<NodeRecord> {
  const loader = ctx.loaders.get<NodeRecord | null>('fencing.nodeById', null, async (ids) => {
    const rows = await devices.nodesByIds(scope, ids);
    return byKeys<NodeRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  const row = await loader.load(id);
  if (!row) throw new NotFoundError('Node', id);
  return row;
}

export async function loadFencingCluster(ctx: GraphQLContext, scope: TenantScope, clusters: ClusterService, id: string): Promise<ClusterRecord> {
  const loader = ctx.loaders.get<ClusterRecord | null>('fencing.clusterById', null, async (ids) => {
    const rows = await clusters.byIds(scope, ids);
    return byKeys<ClusterRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  const row = await loader.load(id);
  if (!row) throw new NotFoundError('Cluster', id);
  return row;
}
