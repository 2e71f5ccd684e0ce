import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FailoverDomainService, ServiceGroupService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { ConnectionArgs, toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { FailoverDomainConnection, toFailoverDomain } from './failover-domain.model';
import { ClusterServicesArgs } from './service.args';
import { ServiceConnection, toService } from './service.model';

/** Services and failover domains under a cluster, batched across all clusters of a request. */
@Resolver(() => Cluster)
export class ClusterServiceGroupsResolver {
  constructor(
    private readonly serviceGroups: ServiceGroupService,
    private readonly domains: FailoverDomainService,
  ) {}

  @ResolveField(() => ServiceConnection, { description: 'Services of the cluster, oldest first.' })
  async services(@CurrentScope() scope: TenantScope, @Parent() cluster: Cluster, @Args() args: ClusterServicesArgs, @Context() ctx: GraphQLContext): Promise<ServiceConnection> {
    const page = toPageArgs(args);
    const filter = args.filter ?? {};
    // keyed by the field's arguments: the same page and filter under many clusters is one batch
    const loader = ctx.loaders.get('serviceGroups.clusterServices', { page, filter }, (ids) => this.serviceGroups.pageByCluster(scope, ids, page, filter));
    return toConnection(await loader.load(cluster.id), toService);
  }

  @ResolveField(() => FailoverDomainConnection, { description: 'Failover domains of the cluster, oldest first.' })
  async failoverDomains(
    @CurrentScope() scope: TenantScope,
    @Parent() cluster: Cluster,
    @Args() args: ConnectionArgs,
    @Context() ctx: GraphQLContext,
  ): Promise<FailoverDomainConnection> {
    const page = toPageArgs(args);
    const loader = ctx.loaders.get('serviceGroups.clusterFailoverDomains', page, (ids) => this.domains.pageByCluster(scope, ids, page));
    return toConnection(await loader.load(cluster.id), toFailoverDomain);
  }
}
