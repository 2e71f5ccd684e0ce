import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FencingDeviceService } from '@haaas/management';
import { Cluster } from '../clusters/cluster.model';
import { toConnection, toPageArgs } from '../common/connection.model';
import type { GraphQLContext } from '../common/loaders';
import { ClusterFencingDevicesArgs } from './fencing-device.args';
import { FencingDeviceConnection, toFencingDevice } from './fencing-device.model';

/** Fencing devices under a cluster, batched across all clusters of a request. */
@Resolver(() => Cluster)
export class ClusterFencingResolver {
  constructor(private readonly devices: FencingDeviceService) {}

  @ResolveField(() => FencingDeviceConnection, { description: 'Fencing devices of the cluster, oldest first.' })
  async fencingDevices(
    @CurrentScope() scope: TenantScope,
    @Parent() cluster: Cluster,
    @Args() args: ClusterFencingDevicesArgs,
    @Context() ctx: GraphQLContext,
  ): Promise<FencingDeviceConnection> {
    const page = toPageArgs(args);
    // keyed by the field's arguments: the same page under many clusters is one batch
    const loader = ctx.loaders.get('fencing.clusterDevices', page, (ids) => this.devices.byClusters(scope, ids, page));
    return toConnection(await loader.load(cluster.id), toFencingDevice);
  }
}
