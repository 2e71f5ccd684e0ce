import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { EventLogService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { ClusterLogFieldArgs } from './event.args';
import { toEventFilter } from './event.input';
import { EventConnection, toEvent } from './event.model';

/** The log under a cluster, batched across all clusters of a request. */
@Resolver(() => Cluster)
export class ClusterLogResolver {
  constructor(private readonly eventLog: EventLogService) {}

  @ResolveField(() => EventConnection, { description: 'The cluster log, newest first.' })
  async log(@CurrentScope() scope: TenantScope, @Parent() cluster: Cluster, @Args() args: ClusterLogFieldArgs, @Context() ctx: GraphQLContext): Promise<EventConnection> {
    const page = toPageArgs(args, 'DESC');
    const filter = toEventFilter(args.filter);
    const loader = ctx.loaders.get('log.clusterLog', { page, filter }, (ids) => this.eventLog.logsOfClusters(scope, ids, filter, page));
    return toConnection(await loader.load(cluster.id), toEvent);
  }
}
