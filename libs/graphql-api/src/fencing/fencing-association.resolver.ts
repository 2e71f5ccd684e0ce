import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope } from '@haaas/auth';
import { TenantScope } from '@haaas/domain';
import { FencingDeviceService } from '@haaas/management';
import type { GraphQLContext } from '../common/loaders';
import { Node, toNode } from '../nodes/node.model';
import { FencingAssociation, FencingDevice, toFencingDevice } from './fencing-device.model';
import { loadFencingDevice, loadFencingNode } from './fencing.loaders';

@Resolver(() => FencingAssociation)
export class FencingAssociationResolver {
  constructor(private readonly devices: FencingDeviceService) {}

  @ResolveField(() => FencingDevice, { description: 'The fencing device.' })
  async device(@CurrentScope() scope: TenantScope, @Parent() association: FencingAssociation, @Context() ctx: GraphQLContext): Promise<FencingDevice> {
    return toFencingDevice(await loadFencingDevice(ctx, scope, this.devices, association.deviceId));
  }

  @ResolveField(() => Node, { description: 'The node it fences.' })
  async node(@CurrentScope() scope: TenantScope, @Parent() association: FencingAssociation, @Context() ctx: GraphQLContext): Promise<Node> {
    return toNode(await loadFencingNode(ctx, scope, this.devices, association.nodeId));
  }
}
