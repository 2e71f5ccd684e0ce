import { NotFoundError, TenantScope } from '@haaas/domain';
import { FailoverDomainMemberRecord, FailoverDomainRecord, FailoverDomainService, NodeRecord, NodeService, ResourceRecord, ServiceGroupService, ServiceRecord } from '@haaas/management';
import { byKeys, GraphQLContext } from '../common/loaders';

/**
 * Per-request batches of what services and failover domains point at, so that a list of N
 * services or domains costs a fixed number of statements whatever N is.
 */

/** A node by id (a domain member, the current node of a service), or null if it is gone. */
export function loadNode(ctx: GraphQLContext, scope: TenantScope, nodes: NodeService, id: string): Promise<NodeRecord | null> {
  const loader = ctx.loaders.get<NodeRecord | null>('serviceGroups.nodeById', null, async (ids) => {
    const rows = await nodes.byIds(scope, ids);
    return byKeys<NodeRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  return loader.load(id);
}

/** A node that must exist (members cascade with their node, so it is only gone if deleted mid-request). */
export async function loadExistingNode(ctx: GraphQLContext, scope: TenantScope, nodes: NodeService, id: string): Promise<NodeRecord> {
  const node = await loadNode(ctx, scope, nodes, id);
  if (!node) throw new NotFoundError('Node', id);
  return node;
}

export function loadFailoverDomain(ctx: GraphQLContext, scope: TenantScope, domains: FailoverDomainService, id: string): Promise<FailoverDomainRecord | null> {
  const loader = ctx.loaders.get<FailoverDomainRecord | null>('serviceGroups.failoverDomainById', null, async (ids) => {
    const rows = await domains.byIds(scope, ids);
    return byKeys<FailoverDomainRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  return loader.load(id);
}

export function loadMembers(ctx: GraphQLContext, scope: TenantScope, domains: FailoverDomainService, domainId: string): Promise<FailoverDomainMemberRecord[]> {
  const loader = ctx.loaders.get('serviceGroups.domainMembers', null, (ids) => domains.membersOf(scope, ids));
  return loader.load(domainId);
}

export function loadServiceResources(ctx: GraphQLContext, scope: TenantScope, services: ServiceGroupService, serviceId: string): Promise<ResourceRecord[]> {
  const loader = ctx.loaders.get('serviceGroups.serviceResources', null, (ids) => services.resourcesOf(scope, ids));
  return loader.load(serviceId);
}

export function loadService(ctx: GraphQLContext, scope: TenantScope, services: ServiceGroupService, id: string): Promise<ServiceRecord | null> {
  const loader = ctx.loaders.get<ServiceRecord | null>('serviceGroups.serviceById', null, async (ids) => {
    const rows = await services.byIds(scope, ids);
    return byKeys<ServiceRecord | null>(ids, new Map(rows.map((r) => [r.id, r])), () => null);
  });
  return loader.load(id);
}
